"""Submitting intakes. A new intake is a new version; an old one is never overwritten."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Max

from needlepoint.clinic.accounts.models import Membership
from needlepoint.clinic.clients.models import Client
from needlepoint.protocol import Protocol, default_protocol

from .data import Errors, IntakeData, validate
from .models import Intake, IntakeSource


class IntakeInvalid(ValueError):
    """The intake breaks the protocol's vocabulary or rules; ``errors`` are keyed by form field."""

    def __init__(self, errors: Errors) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))


def submit_intake(
    client: Client,
    data: IntakeData,
    *,
    source: IntakeSource | str,
    now: datetime,
    entered_by: Membership | None = None,
    protocol: Protocol | None = None,
) -> Intake:
    protocol = protocol or default_protocol()
    errors = validate(data, protocol, today=now.date(), date_of_birth=client.date_of_birth)
    if errors:
        raise IntakeInvalid(errors)
    with transaction.atomic():
        # Lock the client row so two submissions cannot take the same version number (the
        # unique constraint is the backstop; SQLite's IMMEDIATE transactions serialise anyway).
        Client.objects.select_for_update().filter(pk=client.pk).first()
        last = (
            Intake.objects.for_clinic(client.clinic_id).filter(client=client).aggregate(v=Max("version"))["v"]
        )
        intake = Intake(
            clinic_id=client.clinic_id,
            client=client,
            version=(last or 0) + 1,
            source=source,
            entered_by=entered_by,
            fitzpatrick=data.fitzpatrick,
            conditions=list(data.conditions),
            medications=data.medications_json(),
            skin_state=data.skin_state_json(),
            areas=data.areas_json(),
            allergies=data.allergies.strip(),
            other_conditions=data.other_conditions.strip(),
            other_medications=data.other_medications.strip(),
            goals=data.goals.strip(),
            protocol_id=protocol.id,
            protocol_version=protocol.version,
            submitted_at=now,
        )
        intake.full_clean()
        intake.save()
    return intake
