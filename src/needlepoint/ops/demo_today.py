"""Today and this week at every location of the demo clinic, relative to the real clock, so the
day sheet and the calendar show a clinic at work whenever the demo is started: people done, a
no-show, someone in treatment, someone numbing, someone just arrived, others expected; the rest
of the week booked; a red-flag reaction report waiting for a practitioner; a waitlist offer.

Idempotent per day: a location that already has demo appointments today is left as it is, so
re-running `needlepoint demo` keeps what staff did with them.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from needlepoint import clock
from needlepoint.clinic.accounts.models import Membership, Role
from needlepoint.clinic.booking import services
from needlepoint.clinic.booking.models import Appointment, AppointmentStatus, AppointmentType
from needlepoint.clinic.booking.services.errors import BookingError
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import Clinic, Device, DeviceKind, Location
from needlepoint.clinic.intake.data import AreaEntry, SkinStateEntry
from needlepoint.clinic.messaging.models import ReactionReport
from needlepoint.clinic.messaging.reactions import ReportInput, submit_report
from needlepoint.clinic.permissions import SystemActor
from needlepoint.clinic.treatments import services as treatments
from needlepoint.scheduling import Slot

from .demo_journey import take_through_journey

TODAY_PER_PRACTITIONER = 6
WEEK_PER_PRACTITIONER = 3


def load_demo_today(clinic: Clinic, *, now: datetime | None = None) -> None:
    now = now or clock.now()
    kind = AppointmentType.objects.for_clinic(clinic).filter(is_active=True).order_by("pk").first()
    owner = Membership.objects.for_clinic(clinic).filter(role=Role.OWNER).order_by("pk").first()
    if kind is None or owner is None:
        return
    # Clients with nothing booked yet, so nobody is in two places at once.
    busy = Appointment.objects.for_clinic(clinic).values("client_id")
    free = list(
        Client.objects.for_clinic(clinic).filter(is_archived=False).exclude(pk__in=busy).order_by("pk")
    )
    for location in Location.objects.for_clinic(clinic).order_by("pk"):
        zone = ZoneInfo(location.timezone)
        today = clock.today(zone)
        start_of_day = datetime.combine(today, time(0), zone).astimezone(ZoneInfo("UTC"))
        if (
            Appointment.objects.for_clinic(clinic)
            .filter(location=location, start__gte=start_of_day, start__lt=start_of_day + timedelta(days=1))
            .exists()
        ):
            continue
        booked = _book_week(clinic, location, kind, free, today, start_of_day)
        _play_the_day(clinic, owner, [a for a in booked if a.start < start_of_day + timedelta(days=1)], now)
    _red_flag_report(clinic, now)
    _waitlist_offer(clinic, kind, now)


def _book_week(
    clinic: Clinic,
    location: Location,
    kind: AppointmentType,
    free: list[Client],
    today: date,
    start_of_day: datetime,
) -> list[Appointment]:
    """Fill today and the next six days: every practitioner's day through the engine's own
    slots (so shifts, rooms and devices are respected), skipping what another booking took."""
    # Searching "as of" the start of the local day offers today's past hours too.
    slots, _ = services.search_slots(
        clinic,
        kind,
        today,
        today + timedelta(days=6),
        now=start_of_day - timedelta(days=1),
        location_ids=frozenset({str(location.pk)}),
        limit=5000,
    )
    per_day: dict[tuple[date, str], int] = {}
    booked: list[Appointment] = []
    for slot in slots:
        wanted = TODAY_PER_PRACTITIONER if slot.day == today else WEEK_PER_PRACTITIONER
        for practitioner_id in slot.practitioner_ids:
            if not free or per_day.get((slot.day, practitioner_id), 0) >= wanted:
                continue
            appt = _book_any(clinic, free[0], kind, slot, practitioner_id)
            if appt is not None:
                free.pop(0)
                booked.append(appt)
                per_day[(slot.day, practitioner_id)] = per_day.get((slot.day, practitioner_id), 0) + 1
    return booked


def _book_any(
    clinic: Clinic, client: Client, kind: AppointmentType, slot: Slot, practitioner_id: str
) -> Appointment | None:
    """The slot with this practitioner in the first room and device still free (the slots were
    found before this run's earlier bookings took some of them)."""
    demo = SystemActor(clinic.pk, "demo")
    for room_id in slot.room_ids:
        for device_id in slot.device_ids or (None,):
            try:
                return services.book_single(
                    clinic, client, kind, slot.appointment(practitioner_id, room_id, device_id), actor=demo
                )
            except BookingError:
                continue
    return None


def _play_the_day(clinic: Clinic, owner: Membership, today: list[Appointment], now: datetime) -> None:
    """Move today's appointments along as a real day would have: the finished ones completed
    (the first a no-show), the current ones checked in, numbing or being treated, the next one
    arriving early; the rest are expected."""
    no_show_done = early_done = False
    # One client of the day has a flare-up on the left cheek: only the right side is planned
    # (the first one in, or, early in the day, the first one expected).
    asymmetric = next((a for a in sorted(today, key=lambda a: a.start) if a.end > now), None)
    for appt in sorted(today, key=lambda a: a.start):
        practitioner = appt.practitioner
        if appt.end <= now and not no_show_done:
            services.set_status(appt, AppointmentStatus.NO_SHOW, actor=owner, now=appt.start)
            no_show_done = True
            continue
        if appt.arrival - now > timedelta(minutes=30) or (appt.arrival > now and early_done):
            if appt == asymmetric:
                _ready_for_treatment(appt, asymmetric=True)  # planned and signed ahead, expected
            continue  # expected
        areas = _ready_for_treatment(appt, asymmetric=appt == asymmetric)
        services.set_status(appt, AppointmentStatus.CHECKED_IN, actor=owner, now=min(appt.arrival, now))
        if appt.end <= now:
            services.set_status(appt, AppointmentStatus.COMPLETED, actor=practitioner, now=appt.end)
        elif appt.start <= now:  # numbed, now in treatment
            treatments.record_numbing(clinic, owner, appt, areas=areas, applied_at=appt.arrival, now=now)
            treatments.start_chart(clinic, practitioner, appt, now=now)
        elif now - appt.arrival >= timedelta(minutes=5):  # the cream went on after arrival
            treatments.record_numbing(clinic, owner, appt, areas=areas, applied_at=appt.arrival, now=now)
        elif appt.arrival > now:
            early_done = True


def _ready_for_treatment(appt: Appointment, *, asymmetric: bool = False) -> list[str]:
    """Intake, plan and signed consent a week before: what check-in requires. Returns the
    planned areas (what the numbing cream goes on)."""
    device = (
        Device.objects.for_clinic(appt.clinic_id)
        .filter(location=appt.location, kind=DeviceKind.PEN, is_active=True)
        .order_by("pk")
        .first()
    )
    if device is None:
        return ["cheeks"]
    week_ago = appt.arrival - timedelta(days=7)
    plan = take_through_journey(
        appt.client,
        appt.practitioner,
        device,
        now=week_ago,
        areas=(AreaEntry("cheeks", "acne_scars", 2), AreaEntry("jawline.right", "acne_scars", 2))
        if asymmetric
        else (AreaEntry("cheeks", "acne_scars", 2),),
        skin_state=(SkinStateEntry("cheeks.left", "active_acne", week_ago.date() - timedelta(days=3)),)
        if asymmetric
        else (),
        history=False,
    )
    return list(plan.areas.order_by("position").values_list("area", flat=True))


def _red_flag_report(clinic: Clinic, now: datetime) -> None:
    if ReactionReport.objects.for_clinic(clinic).exclude(red_flags=[]).exists():
        return
    done = (
        Appointment.objects.for_clinic(clinic)
        .filter(status=AppointmentStatus.COMPLETED, end__lt=now)
        .select_related("client")
        .order_by("-end")
        .first()
    )
    if done is None:
        return
    submit_report(
        done.client,
        done,
        ReportInput(
            symptoms=["redness", "spreading_redness", "fever"],
            days_since_session=max(0, (now - done.end).days),
            redness_days=2,
            free_text="The redness on my left cheek is spreading and feels hot; I have a temperature.",
        ),
        [],
    )


def _waitlist_offer(clinic: Clinic, kind: AppointmentType, now: datetime) -> None:
    """A waiting client, then a cancellation later this week: the freed slot is offered to them."""
    from needlepoint.clinic.booking.models import WaitlistEntry

    if WaitlistEntry.objects.for_clinic(clinic).exists():
        return
    later = (
        Appointment.objects.for_clinic(clinic)
        .filter(status=AppointmentStatus.BOOKED, appointment_type=kind, start__gte=now + timedelta(days=2))
        .select_related("location")
        .order_by("start")
        .first()
    )
    busy = Appointment.objects.for_clinic(clinic).values("client_id")
    waiting = Client.objects.for_clinic(clinic).filter(is_archived=False).exclude(pk__in=busy).first()
    if later is None or waiting is None:
        return
    demo = SystemActor(clinic.pk, "demo")
    day = later.start.astimezone(ZoneInfo(later.location.timezone)).date()
    services.add_to_waitlist(waiting, kind, day - timedelta(days=1), day + timedelta(days=1), actor=demo)
    services.cancel_appointment(
        later, actor=demo, reason="Client travelling (demo)", now=now, waive_fee=False
    )
