"""The treatment-day demo: lots (one expired, one recalled) and one charted, signed session with
photos for the demo client; a second run changes nothing."""

from __future__ import annotations

from needlepoint import clock
from needlepoint.clinic.booking.models import AppointmentType
from needlepoint.clinic.treatments.models import Chart, Lot, NumbingApplication, TreatmentPhoto
from needlepoint.ops.demo_treatments import load_demo_treatments
from tests.clinic.journey_helpers import confirmed_plan, signed
from tests.conftest import ClinicWorld


def test_demo_is_complete_and_idempotent(clinic_a: ClinicWorld) -> None:
    signed(clinic_a, confirmed_plan(clinic_a))
    AppointmentType.objects.create(clinic=clinic_a.clinic, name="Microneedling — face", duration_minutes=60)  # type: ignore[misc]

    def counts() -> tuple[int, ...]:
        return (
            Lot.objects.count(),
            Chart.objects.count(),
            TreatmentPhoto.objects.count(),
            NumbingApplication.objects.count(),
        )

    load_demo_treatments(clinic_a.clinic)  # type: ignore[arg-type]
    first = counts()
    load_demo_treatments(clinic_a.clinic)  # type: ignore[arg-type]
    assert counts() == first == (4, 1, 2, 1)
    today = clock.now().date()
    assert Lot.objects.filter(expiry__lt=today).count() == 1
    assert Lot.objects.filter(recalled_at__isnull=False).count() == 1
    chart = Chart.objects.get()
    assert chart.is_signed and chart.client == clinic_a.client and chart.entries.count() == 2
    assert sorted(TreatmentPhoto.objects.values_list("phase", flat=True)) == ["after", "before"]
