"""The audit trail of one clinic, for its owner."""

from __future__ import annotations

from auditlog.models import LogEntry
from django.db.models import QuerySet

from needlepoint.clinic.clinics.models import Clinic

from .models import AccessLog


def changes_for(clinic: Clinic) -> QuerySet[LogEntry]:
    # Each audited row stores its clinic id in additional_data (see ClinicOwned).
    return (
        LogEntry.objects.filter(additional_data__clinic_id=clinic.pk)
        .select_related("actor", "content_type")
        .order_by("-timestamp", "-id")
    )


def reads_for(clinic: Clinic) -> QuerySet[AccessLog]:
    return AccessLog.objects.for_clinic(clinic).select_related("user", "client")
