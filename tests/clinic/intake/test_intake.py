"""Intake: versioned per client, immutable, codes checked against the protocol; forms keep input."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse

from needlepoint import clock
from needlepoint.clinic.accounts.models import Role
from needlepoint.clinic.intake.data import from_json, to_profile
from needlepoint.clinic.intake.models import Intake
from needlepoint.clinic.intake.services import IntakeInvalid
from needlepoint.protocol import default_protocol
from tests.clinic.journey_helpers import AreaEntry, MedicationEntry, SkinStateEntry, intake_data, submit
from tests.conftest import ClinicWorld


def test_new_intake_is_a_new_version_and_old_ones_are_untouched(clinic_a: ClinicWorld) -> None:
    v1 = submit(clinic_a, intake_data(conditions=("keloid_history",)))
    v2 = submit(clinic_a, intake_data(conditions=()))
    assert (v1.version, v2.version) == (1, 2)
    v1.refresh_from_db()
    assert v1.conditions == ["keloid_history"]
    assert Intake.objects.for_clinic(clinic_a.clinic).filter(client=clinic_a.client).count() == 2


def test_intake_is_immutable(clinic_a: ClinicWorld) -> None:
    intake = submit(clinic_a)
    intake.goals = "changed"
    with pytest.raises(PermissionError):
        intake.save()
    with pytest.raises(PermissionError):
        intake.delete()


def test_versions_are_per_client(clinic_a: ClinicWorld, clinic_b: ClinicWorld) -> None:
    assert submit(clinic_a).version == 1
    assert submit(clinic_b).version == 1


def test_intake_maps_one_to_one_onto_the_engine_profile(clinic_a: ClinicWorld) -> None:
    data = intake_data(
        fitzpatrick=4,
        conditions=("herpes_simplex_history",),
        medications=(MedicationEntry("isotretinoin", date(2020, 1, 31)), MedicationEntry("anticoagulant")),
        skin_state=(SkinStateEntry("nose", "sunburn", clock.now().date() - timedelta(days=2)),),
    )
    intake = submit(clinic_a, data)
    profile = to_profile(from_json(intake), client_id="x", date_of_birth=clinic_a.client.date_of_birth)
    assert profile.fitzpatrick == 4 and profile.conditions == ["herpes_simplex_history"]
    assert [(m.code, m.stopped_on) for m in profile.medications] == [
        ("isotretinoin", date(2020, 1, 31)),
        ("anticoagulant", None),
    ]
    assert profile.skin_state["nose"][0].code == "sunburn"


@pytest.mark.parametrize(
    ("data", "key"),
    [
        (intake_data(conditions=("vampirism",)), "conditions"),
        (intake_data(medications=(MedicationEntry("snake_oil"),)), "medications"),
        (intake_data(areas=(AreaEntry("scalp", "acne_scars"),)), "area_scalp"),
        (intake_data(areas=(AreaEntry("forehead", "fine_lines", 3),)), "grade_forehead"),
        (intake_data(areas=()), "areas"),
        (intake_data(skin_state=(SkinStateEntry("cheeks", "sunburn", date(2999, 1, 1)),)), "state_0_since"),
        (intake_data(skin_state=(SkinStateEntry("elbow", "sunburn"),)), "state_0_where"),
    ],
)
def test_codes_are_checked_against_the_protocol(clinic_a: ClinicWorld, data: object, key: str) -> None:
    with pytest.raises(IntakeInvalid) as err:
        submit(clinic_a, data)  # type: ignore[arg-type]
    assert key in err.value.errors
    assert not Intake.objects.exists()


def _post(**extra: str) -> dict[str, str]:
    return {"fitzpatrick": "3", "area_cheeks": "acne_scars", "goals": "smoother cheeks", **extra}


def test_staff_intake_form_saves_a_version(client, clinic_a: ClinicWorld) -> None:
    client.force_login(clinic_a.users[Role.FRONT_DESK])
    url = reverse("intake-create", kwargs={"client_pk": clinic_a.client.pk})
    response = client.post(
        url,
        _post(cond_keloid_history="on", med_isotretinoin="stopped", med_isotretinoin_stopped="2024-01-15"),
    )
    assert response.status_code == 302
    intake = Intake.objects.get()
    assert intake.conditions == ["keloid_history"]
    assert intake.medications == [{"code": "isotretinoin", "stopped_on": "2024-01-15"}]
    assert intake.entered_by == clinic_a.memberships[Role.FRONT_DESK]


def test_bad_intake_input_is_400_with_messages_and_keeps_what_was_typed(
    client, clinic_a: ClinicWorld
) -> None:
    client.force_login(clinic_a.users[Role.FRONT_DESK])
    url = reverse("intake-create", kwargs={"client_pk": clinic_a.client.pk})
    response = client.post(
        url,
        {
            "fitzpatrick": "9",
            "goals": "Less scarring please",
            "med_isotretinoin": "stopped",
            "state_0_where": "cheeks",
            "area_scalp": "acne_scars",
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "nothing was saved" in body
    assert "Select a valid choice" in body  # skin type 9, and acne scars on the scalp
    assert "Give the date you stopped." in body
    assert "Choose both where and what" in body
    assert "Less scarring please" in body  # typed text kept
    assert 'value="stopped" selected' in body
    assert not Intake.objects.exists()


def test_no_area_chosen_is_a_clear_error(client, clinic_a: ClinicWorld) -> None:
    client.force_login(clinic_a.users[Role.FRONT_DESK])
    response = client.post(
        reverse("intake-create", kwargs={"client_pk": clinic_a.client.pk}), {"fitzpatrick": "2"}
    )
    assert response.status_code == 400
    assert "Choose at least one area" in response.content.decode()


def test_tablet_mode_is_client_facing(client, clinic_a: ClinicWorld) -> None:
    client.force_login(clinic_a.users[Role.FRONT_DESK])
    url = reverse("intake-tablet", kwargs={"client_pk": clinic_a.client.pk})
    body = client.get(url).content.decode()
    assert f"Welcome, {clinic_a.client.first_name}" in body
    assert 'aria-label="Main"' not in body  # no staff navigation on the client's screen
    assert "scar grade (staff)" not in body
    response = client.post(url, _post())
    assert response.status_code == 200 and "hand the tablet back" in response.content.decode()
    assert Intake.objects.get().source == "tablet"


def test_every_protocol_condition_and_medication_is_offered(client, clinic_a: ClinicWorld) -> None:
    client.force_login(clinic_a.users[Role.PRACTITIONER])
    body = client.get(reverse("intake-create", kwargs={"client_pk": clinic_a.client.pk})).content.decode()
    d = default_protocol().data
    for spec in [*d.conditions.values(), *d.medications.values(), *d.areas.values()]:
        assert spec.name.replace("'", "&#x27;").replace('"', "&quot;") in body


def test_each_scar_grade_is_labelled_with_its_area(client, clinic_a: ClinicWorld) -> None:
    # Every grade was once labelled with the last medication's name (a leaked loop variable).
    client.force_login(clinic_a.users[Role.PRACTITIONER])
    body = client.get(reverse("intake-create", kwargs={"client_pk": clinic_a.client.pk})).content.decode()
    d = default_protocol().data
    labels = re.findall(r">([^<>]*): scar grade \(staff\)", body)
    assert sorted(labels) == sorted(a.name.replace("'", "&#x27;") for a in d.areas.values())
