"""A client with the whole record the FHIR export covers, written through the journey helpers
(plan, consent), the booking services, and plain ORM rows for the treatment-day records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from needlepoint.clinic.booking import services as booking
from needlepoint.clinic.outcomes.models import AdverseEvent, OutcomeScore
from needlepoint.clinic.permissions import SystemActor
from needlepoint.clinic.treatments.models import Chart, ChartEntry, Lot
from tests.clinic.booking.conftest import NOW, make_booking_world, spec
from tests.clinic.journey_helpers import confirmed_plan, signed
from tests.conftest import ClinicWorld


@dataclass
class Record:
    world: ClinicWorld
    appointments: list[Any]
    entries: list[Any]


def full_record(typed: ClinicWorld) -> Record:
    world: Any = typed  # ClinicWorld's fields are typed `object`
    bw = make_booking_world(world)
    plan = confirmed_plan(world)
    signed(world, plan)
    s = spec(bw, sessions=2)
    result, _ = booking.search_series(world.clinic, s, now=NOW)
    series = booking.book_series(
        world.clinic, s, list(result.options[0].sessions), actor=SystemActor(world.clinic.pk, "test")
    )
    first, second = series.appointments.order_by("series_index")
    booking.cancel_appointment(
        second, actor=SystemActor(second.clinic_id, "test"), reason="client unwell", now=NOW
    )
    practitioner = world.memberships["practitioner"]
    cartridge = Lot.objects.create(
        clinic=world.clinic,
        location=world.location,
        kind="cartridge",
        product_name="Nano 36-pin",
        lot_number="C-100",
        expiry=date(2028, 1, 31),
        quantity_received=10,
        received_at=NOW,
        received_by=practitioner,
    )
    chart = Chart.objects.create(
        clinic=world.clinic, appointment=first, client=world.client, plan=plan, created_by=practitioner
    )
    entries = [
        ChartEntry.objects.create(
            clinic=world.clinic,
            chart=chart,
            position=i,
            area=area,
            area_name=name,
            indication=indication,
            device=world.device,
            cartridge_lot=cartridge,
            depth_mm=Decimal(depth),
            recommended_mm=Decimal(depth),
            cap_mm=Decimal("2.0") if area == "cheeks" else Decimal("1.0"),
            passes=3,
            endpoint="pinpoint_bleeding",
            pain_score=3,
            created_by=practitioner,
        )
        for i, (area, name, indication, depth) in enumerate(
            [("cheeks", "Cheeks", "acne_scars", "1.5"), ("forehead", "Forehead", "fine_lines", "0.5")]
        )
    ]
    for scale, value in (("goodman_baron_qualitative", 3), ("gais", 1)):
        OutcomeScore.objects.create(
            clinic=world.clinic,
            client=world.client,
            appointment=first,
            practitioner=practitioner,
            area="cheeks",
            scale=scale,
            value=value,
            session_at=first.start,
            recorded_by=practitioner,
        )
    AdverseEvent.objects.create(
        clinic=world.clinic,
        client=world.client,
        appointment=first,
        source="staff",
        type="infection",
        severity="moderate",
        onset=(first.start + timedelta(days=2)).date(),
        area="cheeks",
        device=world.device,
        reported_by=practitioner,
    )
    return Record(world, [first, second], entries)
