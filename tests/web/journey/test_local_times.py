"""Times that belong to no appointment are shown in the clinic's own zone, not UTC."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.urls import reverse

from tests.clinic.journey_helpers import submit
from tests.conftest import ClinicWorld


def test_intake_submission_time_is_shown_in_the_clinics_zone(client, clinic_b: ClinicWorld) -> None:  # type: ignore[no-untyped-def]
    intake = submit(clinic_b)  # clinic B is in America/New_York
    client.force_login(clinic_b.users["practitioner"])
    body = client.get(reverse("intake-detail", kwargs={"intake_pk": intake.pk})).content.decode()
    local = intake.submitted_at.astimezone(ZoneInfo("America/New_York"))
    assert f"{local:%H:%M} {local.tzname()}" in body
    assert " UTC via" not in body
