"""Builders for treatment-day tests: a checked-in session under a confirmed, consented plan,
lots in stock, image bytes (imported by name)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from needlepoint.clinic.accounts.models import Membership, Role
from needlepoint.clinic.booking.models import Appointment, AppointmentStatus, AppointmentType
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import Clinic, Device
from needlepoint.clinic.plans.models import TreatmentPlan
from needlepoint.clinic.treatments import services
from needlepoint.clinic.treatments.models import Lot
from tests.clinic.journey_helpers import confirmed_plan, signed
from tests.conftest import ClinicWorld

#: A Tuesday morning session in London (GMT).
START = datetime(2027, 1, 5, 10, 0, tzinfo=UTC)


@dataclass
class Day:
    world: ClinicWorld
    plan: TreatmentPlan
    appointment: Appointment
    cartridge: Lot
    product: Lot

    @property
    def clinic(self) -> Clinic:
        return self.world.clinic  # type: ignore[return-value]

    @property
    def client(self) -> Client:
        return self.world.client  # type: ignore[return-value]

    @property
    def device(self) -> Device:
        return self.world.device  # type: ignore[return-value]

    @property
    def practitioner(self) -> Membership:
        return self.world.memberships[Role.PRACTITIONER]  # type: ignore[return-value]

    @property
    def owner(self) -> Membership:
        return self.world.memberships[Role.OWNER]  # type: ignore[return-value]

    @property
    def desk(self) -> Membership:
        return self.world.memberships[Role.FRONT_DESK]  # type: ignore[return-value]


def appointment_at(world: ClinicWorld, start: datetime, *, minutes: int = 60) -> Appointment:
    """An appointment written directly (the booking engine is tested elsewhere): any instant,
    including the night of a DST change."""
    w: Any = world
    kind, _ = AppointmentType.objects.get_or_create(
        clinic=w.clinic,
        name="Microneedling",
        defaults={"duration_minutes": minutes, "device_kind": "pen"},
    )
    end = start + timedelta(minutes=minutes)
    arrival = start - timedelta(minutes=45)
    return Appointment.objects.create(
        clinic=w.clinic,
        client=w.client,
        appointment_type=kind,
        location=w.location,
        practitioner=w.memberships[Role.PRACTITIONER],
        room=w.room,
        device=w.device,
        start=start,
        end=end,
        arrival=arrival,
        practitioner_start=arrival,
        practitioner_end=end,
        room_start=arrival,
        room_end=end,
        device_start=start,
        device_end=end,
        busy_start=arrival,
        busy_end=end,
    )


def lot(
    world: ClinicWorld,
    *,
    kind: str = "cartridge",
    number: str = "C-100",
    expiry: date = date(2028, 1, 31),
    quantity: int = 10,
    now: datetime = START,
) -> Lot:
    return services.receive_lot(
        world.clinic,  # type: ignore[arg-type]
        world.memberships[Role.PRACTITIONER],  # type: ignore[arg-type]
        location=world.location,  # type: ignore[arg-type]
        kind=kind,
        product_name="Nano 36-pin" if kind == "cartridge" else "Hyaluronic serum (sterile)",
        lot_number=number,
        expiry=expiry,
        quantity=quantity,
        now=now,
    )


def treatment_day(world: ClinicWorld, *, start: datetime = START, check_in: bool = True) -> Day:
    """Plan (cheeks acne scars grade 3, forehead fine lines) confirmed and consented, one session
    at ``start``, checked in; a cartridge and a serum lot in stock."""
    plan = confirmed_plan(world)
    signed(world, plan)
    appt = appointment_at(world, start)
    if check_in:
        services.check_in(world.clinic, world.memberships[Role.FRONT_DESK], appt, now=start)  # type: ignore[arg-type]
    return Day(world, plan, appt, lot(world), lot(world, kind="product", number="S-7"))


def entry_input(day: Day, area: str = "cheeks", **kw: Any) -> services.ChartEntryInput:
    base: dict[str, Any] = {
        "area": area,
        "device": day.device,
        "cartridge_lot": day.cartridge,
        "passes": 3,
        "endpoint": "pinpoint_bleeding",
        "pain_score": 3,
        "product_lot": day.product,
    }
    base.update(kw)
    return services.ChartEntryInput(**base)


def image_bytes(size: tuple[int, int] = (64, 48), fmt: str = "JPEG", colour: str = "teal") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, fmt)
    return buf.getvalue()


def upload(data: bytes, name: str = "zelda-cheek.jpg", content_type: str = "image/jpeg") -> Any:
    return SimpleUploadedFile(name, data, content_type=content_type)


def completed(appt: Appointment) -> None:
    Appointment.objects.filter(pk=appt.pk).update(status=AppointmentStatus.COMPLETED)


__all__ = ["START", "Day", "Decimal", "appointment_at", "entry_input", "image_bytes", "lot", "treatment_day"]
