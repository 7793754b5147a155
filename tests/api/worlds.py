"""Objects of every kind an API route takes an id of, built in one clinic (for isolation
tests). Keys are the API's path parameter names; keys starting with _ are helpers for bodies."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from needlepoint import clock
from needlepoint.clinic.permissions import SystemActor
from tests.conftest import ClinicWorld

#: The treated session (a Tuesday a week after the booking tests' series), and "now" then.
TREATED_AT = datetime(2027, 1, 12, 10, 0, tzinfo=UTC)


def journey_objects(world: ClinicWorld) -> dict[str, Any]:
    """Client, intake with a photo, a draft plan with a finding, a booked series; a checked-in
    session (under a confirmed, consented plan) with numbing, a chart with one entry, a lot, a
    photo. Call with clock.now patched to TREATED_AT."""

    from needlepoint.clinic.accounts.models import Role
    from needlepoint.clinic.booking import services
    from needlepoint.clinic.intake.models import IntakeSource
    from needlepoint.clinic.intake.services import PhotoInput, submit_intake
    from needlepoint.clinic.outcomes import services as outcomes
    from needlepoint.clinic.payments.checkout import CheckoutSpec, check_out
    from needlepoint.clinic.payments.invoices import LineSpec
    from needlepoint.clinic.payments.tenders import TenderSpec
    from needlepoint.clinic.permissions import ClientActor
    from needlepoint.clinic.reviews.services import submit_review
    from needlepoint.clinic.treatments import services as treatments
    from tests.clinic.booking.conftest import NOW, make_booking_world, spec
    from tests.clinic.journey_helpers import draft, intake_data, photo_upload
    from tests.clinic.treatments.helpers import entry_input, image_bytes, treatment_day, upload

    # A history of cold sores gives the plan a finding to acknowledge.
    intake = submit_intake(
        world.client,  # type: ignore[arg-type]
        intake_data(conditions=("herpes_simplex_history",)),
        actor=SystemActor(world.clinic.pk, "test"),
        source=IntakeSource.STAFF,
        now=clock.now(),
        photos=[PhotoInput(photo_upload(), "cheeks", "red marks")],
    )
    plan = draft(world, intake)
    bw = make_booking_world(world)
    s = spec(bw, sessions=1)
    result, _ = services.search_series(world.clinic, s, now=NOW)  # type: ignore[arg-type]
    series = services.book_series(
        world.clinic, s, list(result.options[0].sessions), actor=SystemActor(world.clinic.pk, "test")
    )  # type: ignore[arg-type]
    series.appointments.update(status="completed")  # the series is done: the client may review it
    review = submit_review(ClientActor(world.client), series, rating=5, text="Lovely results.")  # type: ignore[arg-type]

    day = treatment_day(world, start=TREATED_AT)
    practitioner = world.memberships[Role.PRACTITIONER]
    numbing = treatments.record_numbing(day.clinic, practitioner, day.appointment, areas=["cheeks"])  # type: ignore[arg-type]
    chart = treatments.start_chart(day.clinic, practitioner, day.appointment)  # type: ignore[arg-type]
    entry = treatments.add_chart_entry(day.clinic, practitioner, chart, entry_input(day))  # type: ignore[arg-type]
    photo = treatments.add_photo(
        day.clinic,
        practitioner,  # type: ignore[arg-type]
        day.appointment,
        area="cheeks",
        view="front",
        phase="before",
        upload=upload(image_bytes()),
    )
    event = outcomes.open_adverse_event(
        day.clinic,
        actor=practitioner,
        client=day.client,
        source="staff",
        type="bruising",
        appointment=day.appointment,
    )
    task = outcomes.add_follow_up(event, actor=practitioner, title="Call in two days")
    # The finished series' visit, checked out with part paid in cash: an invoice and a tender.
    paid = check_out(
        series.appointments.order_by("series_index").first(),  # type: ignore[arg-type]
        CheckoutSpec(
            [LineSpec(kind="treatment", description="Microneedling", unit_price_minor=20000)],
            [TenderSpec("cash", 15000)],
        ),
        actor=world.memberships[Role.FRONT_DESK],  # type: ignore[arg-type]
        now=clock.now(),
    )
    score = outcomes.record_score(
        day.clinic, actor=practitioner, appointment=day.appointment, scale="gais", value=2, area="cheeks"
    )
    return {
        "client_id": world.client.pk,  # type: ignore[attr-defined]
        "intake_id": intake.pk,
        "intake_photo_id": intake.photos.get().pk,
        "plan_id": plan.pk,
        "finding_id": plan.findings.order_by("pk").first().pk,  # type: ignore[union-attr]
        "appointment_id": day.appointment.pk,
        "numbing_id": numbing.pk,
        "lot_id": day.cartridge.pk,
        "chart_id": chart.pk,
        "entry_id": entry.pk,
        "photo_id": photo.pk,
        "event_id": event.pk,
        "task_id": task.pk,
        "score_id": score.pk,
        "review_id": review.pk,
        "invoice_id": paid.invoice.pk,
        "tender_id": paid.tenders[0].pk,
        "_appointment_type_id": bw.kind.pk,  # type: ignore[attr-defined]
        "_device_id": world.device.pk,  # type: ignore[attr-defined]
    }
