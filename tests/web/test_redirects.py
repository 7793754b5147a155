"""Paths that moved when the web was split by feature still work: the old path redirects to the
route's new one, 308 for POST endpoints so the method and body survive."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from tests.conftest import ClinicWorld


def test_old_clinic_switch_path_redirects_a_post_with_308(client: Any, clinic_a: ClinicWorld) -> None:
    client.force_login(clinic_a.users["owner"])
    response = client.post("/clinic/switch/?next=/calendar/", {"clinic": clinic_a.clinic.pk})
    assert response.status_code == 308
    assert response["Location"] == reverse("switch-clinic") + "?next=/calendar/"
    assert reverse("switch-clinic") == "/account/switch-clinic/"


def test_following_the_redirect_switches_clinic(client: Any, clinic_a: ClinicWorld) -> None:
    client.force_login(clinic_a.users["owner"])
    response = client.post("/clinic/switch/", {"clinic": clinic_a.clinic.pk}, follow=True)
    assert response.redirect_chain[0] == ("/account/switch-clinic/", 308)
    assert response.status_code == 200
