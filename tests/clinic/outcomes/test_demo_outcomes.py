"""The demo's outcomes: finished series with scores, adverse events and reviews, written once."""

from __future__ import annotations

from datetime import date

from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.outcomes.models import AdverseEvent, OutcomeScore
from needlepoint.clinic.reviews.models import Review
from needlepoint.ops.demo_outcomes import load_demo_outcomes
from tests.clinic.outcomes.helpers import appointment_type
from tests.conftest import ClinicWorld


def test_demo_outcomes_are_idempotent(clinic_a: ClinicWorld) -> None:
    appointment_type(clinic_a)
    for i in range(5):
        Client.objects.create(clinic=clinic_a.clinic, first_name=f"D{i}", last_name="Demo",
                              date_of_birth=date(1985, 1, 1))  # fmt: skip
    load_demo_outcomes(clinic_a.clinic)  # type: ignore[arg-type]
    counts = (OutcomeScore.objects.count(), AdverseEvent.objects.count(), Review.objects.count())
    assert counts == (6 * 3 * 2 + 6, 2, 4)
    assert Review.objects.filter(status="published").count() == 3
    assert OutcomeScore.objects.filter(is_latest=True, improvement__gt=0).exists()
    load_demo_outcomes(clinic_a.clinic)  # type: ignore[arg-type]
    assert (OutcomeScore.objects.count(), AdverseEvent.objects.count(), Review.objects.count()) == counts
