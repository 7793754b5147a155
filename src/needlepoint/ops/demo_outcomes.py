"""Demo outcomes: finished series in the past with scores, a few adverse events and reviews.

Idempotent: the series it writes are marked (``source = "demo:outcomes"``) and a second run
changes nothing. Past sessions are written directly (they are history, not bookings), at
half-hour-aligned times months ago, so they never meet the demo's future bookings.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from django.db import transaction

from needlepoint import clock
from needlepoint.clinic.accounts.models import Membership, Role
from needlepoint.clinic.booking.models import Appointment, AppointmentType, Series, SeriesStatus
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import Clinic, Room
from needlepoint.clinic.outcomes import services as outcomes
from needlepoint.clinic.permissions import ClientActor
from needlepoint.clinic.reviews import services as reviews
from needlepoint.ops.history import plain_windows

MARK = "demo:outcomes"
# (baseline GB quantitative score, change per session, satisfaction, review or None)
STORIES: list[tuple[int, int, int, tuple[int, str, bool] | None]] = [
    (24, -4, 5, (5, "My scars are much flatter after three sessions. The team explained every step.", True)),
    (18, -3, 4, (4, "Clear improvement in texture; some redness for two days as they said.", True)),
    (30, -2, 3, (3, "Some change, slower than I hoped. Friendly staff.", True)),
    (12, -1, 4, (4, "Good experience, booking was easy.", False)),
    (20, 0, 2, None),
    (16, -5, 5, None),
]


@transaction.atomic
def load_demo_outcomes(clinic: Clinic) -> None:
    if Series.objects.for_clinic(clinic).filter(source=MARK).exists():
        return
    kind = AppointmentType.objects.for_clinic(clinic).order_by("pk").first()
    practitioners = list(Membership.objects.for_clinic(clinic).filter(role=Role.PRACTITIONER).order_by("pk"))
    owner = Membership.objects.for_clinic(clinic).filter(role=Role.OWNER).first()
    room = Room.objects.for_clinic(clinic).select_related("location").order_by("pk").first()
    clients = list(
        Client.objects.for_clinic(clinic).filter(is_archived=False).order_by("-pk")[: len(STORIES)]
    )
    if kind is None or not practitioners or room is None or owner is None or len(clients) < len(STORIES):
        return  # the base demo is missing pieces: nothing sensible to add
    today = clock.now().date()
    for i, (client, (baseline, step, satisfaction, review)) in enumerate(zip(clients, STORIES, strict=True)):
        who = practitioners[i % len(practitioners)]
        series = Series.objects.create(
            clinic=clinic,
            client=client,
            appointment_type=kind,
            sessions=3,
            first_earliest=today,
            first_latest=today,
            gap_min_days=28,
            gap_max_days=42,
            source=MARK,
            status=SeriesStatus.COMPLETED,
        )
        for index in range(3):
            day = today - timedelta(days=150 - 30 * index + i)
            start = datetime.combine(day, time(7, 0), UTC) + timedelta(minutes=30 * i)
            appt = _session(clinic, series, index, start, who, room)
            outcomes.record_score(
                clinic,
                appointment=appt,
                scale="goodman_baron_quantitative",
                area="cheeks",
                indication="acne_scars",
                value=max(0, baseline + step * index),
                actor=who,
            )
            outcomes.record_score(
                clinic,
                appointment=appt,
                scale="goodman_baron_qualitative",
                area="cheeks",
                indication="acne_scars",
                value=3 if index < 2 or step > -3 else 2,
                actor=who,
            )
            if index == 2:
                outcomes.record_score(
                    clinic, actor=who, appointment=appt, scale="client_satisfaction", value=satisfaction
                )
            if i == 1 and index == 0:
                event = outcomes.open_adverse_event(
                    clinic,
                    client=client,
                    source="staff",
                    type="bruising",
                    severity="mild",
                    appointment=appt,
                    onset=day,
                    area="cheeks",
                    description="Small bruise on the left cheekbone.",
                    treatment_given="Cold compress; reassurance.",
                    actor=who,
                )
                outcomes.resolve_adverse_event(event, actor=who, resolution="Faded in five days.")
            if i == 4 and index == 1:
                event = outcomes.open_adverse_event(
                    clinic,
                    client=client,
                    source="staff",
                    type="pigment_change",
                    severity="moderate",
                    appointment=appt,
                    onset=day + timedelta(days=7),
                    area="cheeks",
                    description="Darker patch (post-inflammatory hyperpigmentation).",
                    actor=who,
                )
                outcomes.add_follow_up(
                    event, actor=who, title="Photo review in 4 weeks", due_on=today + timedelta(days=14)
                )
        if review is not None:
            rating, text, publish = review
            r = reviews.submit_review(ClientActor(client), series, rating=rating, text=text)
            if publish:
                reviews.publish_review(r, actor=owner)


def _session(
    clinic: Clinic, series: Series, index: int, start: datetime, who: Membership, room: Room
) -> Appointment:
    return Appointment.objects.create(
        clinic=clinic,
        series=series,
        series_index=index,
        client=series.client,
        appointment_type=series.appointment_type,
        location=room.location,
        practitioner=who,
        room=room,
        status="completed",
        **plain_windows(start, start + timedelta(hours=1)),
    )
