"""Demo data for treatment day: cartridge and serum lots at each location (one expired, one
recalled), and for the demo client one past session checked in, numbed, charted, signed and
photographed before and after. Idempotent: lots are matched by their numbers, and the session
is made once."""

from __future__ import annotations

import io
import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from needlepoint import clock
from needlepoint.clinic.accounts.models import Membership, Role
from needlepoint.clinic.booking.models import Appointment, AppointmentStatus, AppointmentType
from needlepoint.clinic.booking.services import set_status
from needlepoint.clinic.clinics.models import Clinic, Location
from needlepoint.clinic.plans.models import PlanStatus, TreatmentPlan
from needlepoint.clinic.treatments import services
from needlepoint.clinic.treatments.models import Chart, Lot
from needlepoint.clinic.treatments.vocab import LotKind

LOTS = [  # kind, product, lot number, expiry offset (days from today), units, recalled reason
    (LotKind.CARTRIDGE, "SkinPen 14-pin sterile cartridge", "SP14-{loc}-2611", 540, 60, ""),
    (LotKind.CARTRIDGE, "SkinPen 14-pin sterile cartridge", "SP14-{loc}-2503", -20, 30, ""),
    (LotKind.CARTRIDGE, "Dermapen 36-pin cartridge", "DP36-{loc}-2609", 400, 40, "Supplier notice: seal"),
    (LotKind.PRODUCT, "Hyaluronic acid serum, sterile ampoule", "HA-{loc}-0926", 300, 24, ""),
]


def _photo(seed: int, *, erythema: bool) -> SimpleUploadedFile:
    """A stand-in skin patch with scar-like spots; redder right after needling."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)  # noqa: S311 - picture noise, not a secret
    img = Image.new("RGB", (640, 480), (236, 158, 140) if erythema else (224, 180, 150))
    draw = ImageDraw.Draw(img)
    for _ in range(60):
        x, y, r = rng.randint(60, 580), rng.randint(60, 420), rng.randint(4, 11)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(196, 138, 118))
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=85)
    return SimpleUploadedFile(f"demo-{seed}.jpg", buf.getvalue(), content_type="image/jpeg")


def _lots(clinic: Clinic, owner: Membership, today: date) -> None:
    for location in Location.objects.for_clinic(clinic).filter(is_active=True):
        tag = "".join(w[0] for w in location.name.split() if w[0].isalpha()).upper()[:3]
        for kind, product, number, offset, units, recalled in LOTS:
            lot, _ = Lot.objects.get_or_create(
                clinic=clinic,
                location=location,
                kind=kind,
                product_name=product,
                lot_number=number.format(loc=tag),
                defaults={
                    "expiry": today + timedelta(days=offset),
                    "quantity_received": units,
                    "received_at": clock.now() - timedelta(days=60),
                    "received_by": owner,
                },
            )
            if recalled and not lot.is_recalled:
                services.recall_lot(clinic, owner, lot, reason=recalled)


def _past_session(plan: TreatmentPlan, kind: AppointmentType, practitioner: Membership) -> Appointment:
    device = plan.device
    assert device is not None
    location = device.location
    zone = ZoneInfo(location.timezone)
    day = clock.now().astimezone(zone).date() - timedelta(days=28)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    start = datetime.combine(day, time(10, 0), tzinfo=zone)
    end = start + timedelta(minutes=kind.duration_minutes)
    arrival = start - timedelta(minutes=kind.numbing_minutes)
    room = location.rooms.filter(is_active=True).order_by("pk").first()
    assert room is not None
    return Appointment.objects.create(
        clinic=plan.clinic,
        client=plan.client,
        appointment_type=kind,
        location=location,
        practitioner=practitioner,
        room=room,
        device=device,
        start=start,
        end=end,
        arrival=arrival,
        practitioner_start=arrival,
        practitioner_end=end + timedelta(minutes=kind.cleaning_minutes),
        room_start=arrival,
        room_end=end + timedelta(minutes=kind.cleaning_minutes),
        device_start=start,
        device_end=end,
        busy_start=arrival,
        busy_end=end + timedelta(minutes=kind.cleaning_minutes),
        notes="Demo: a past session, charted.",
    )


@transaction.atomic
def load_demo_treatments(clinic: Clinic) -> None:
    owner = Membership.objects.for_clinic(clinic).filter(role=Role.OWNER).order_by("pk").first()
    if owner is None:
        return
    _lots(clinic, owner, clock.now().date())
    plan = (
        TreatmentPlan.objects.for_clinic(clinic)
        .filter(status=PlanStatus.CONFIRMED, device__isnull=False)
        .select_related("client", "device__location")
        .order_by("pk")
        .first()
    )
    kind = AppointmentType.objects.for_clinic(clinic).filter(is_active=True).order_by("pk").first()
    if plan is None or kind is None or Chart.objects.for_clinic(clinic).filter(client=plan.client).exists():
        return
    practitioner = plan.confirmed_by or plan.created_by
    if practitioner is None or practitioner.role != Role.PRACTITIONER:
        return
    appt = _past_session(plan, kind, practitioner)
    set_status(appt, AppointmentStatus.CHECKED_IN, actor=practitioner, now=appt.arrival)
    areas = list(plan.areas.order_by("position").values_list("area", flat=True))
    services.record_numbing(
        clinic, owner, appt, areas=areas, applied_at=appt.arrival + timedelta(minutes=3), now=appt.start
    )
    location = appt.location
    usable = {
        k: services_lot(clinic, location, k, appt.start) for k in (LotKind.CARTRIDGE, LotKind.PRODUCT)
    }
    chart = services.start_chart(clinic, practitioner, appt, now=appt.start)
    for i, area in enumerate(areas):
        services.add_chart_entry(
            clinic,
            practitioner,
            chart,
            services.ChartEntryInput(
                area=area,
                device=plan.device,  # type: ignore[arg-type]
                cartridge_lot=usable[LotKind.CARTRIDGE],
                product_lot=usable[LotKind.PRODUCT],
                passes=3 if i == 0 else 2,
                endpoint="pinpoint_bleeding" if i == 0 else "erythema",
                pain_score=4 if i == 0 else 2,
                reactions=["erythema", "pinpoint_bleeding"] if i == 0 else ["erythema"],
            ),
            now=appt.start,
        )
    for area in areas[:1]:
        for phase in ("before", "after"):
            services.add_photo(
                clinic,
                practitioner,
                appt,
                area=area,
                view="front",
                phase=phase,
                upload=_photo(appt.pk, erythema=phase == "after"),
                now=appt.start,
            )
    services.sign_chart(clinic, practitioner, chart, now=appt.end + timedelta(minutes=10))
    set_status(appt, AppointmentStatus.COMPLETED, actor=practitioner, now=appt.end)


def services_lot(clinic: Clinic, location: Location, kind: str, at: datetime) -> Lot:
    from needlepoint.clinic.treatments.selectors import usable_lots

    lot = usable_lots(clinic, location, kind, now=at).first()
    if lot is None:
        raise RuntimeError(f"demo: no usable {kind} lot at {location}")
    return lot
