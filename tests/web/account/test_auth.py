"""Sign-in: argon2 hashes, lockout after repeated failures, TOTP two-factor per user and per clinic."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from needlepoint.clinic.accounts.models import Role
from tests.conftest import PASSWORD, ClinicWorld


@pytest.fixture(autouse=True)
def _fresh_axes(db: None) -> None:
    from axes.utils import reset

    reset()
    cache.clear()


def _login(client, email: str, password: str, **extra):  # type: ignore[no-untyped-def]
    return client.post(reverse("login"), {"username": email, "password": password}, **extra)


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def test_passwords_are_argon2(clinic_a: ClinicWorld) -> None:
    assert clinic_a.users[Role.OWNER].password.startswith("argon2")


def test_sign_in_and_out(client, clinic_a: ClinicWorld) -> None:
    response = _login(client, "owner.a@example.com", PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")
    assert "Clinic A" in client.get(reverse("dashboard")).content.decode()
    client.post(reverse("logout"))
    assert client.get(reverse("dashboard")).status_code == 302


def test_wrong_password_shows_a_message_and_keeps_the_email(client, clinic_a: ClinicWorld) -> None:
    response = _login(client, "owner.a@example.com", "nope")
    body = response.content.decode()
    assert response.status_code == 200 and "correct email" in body.lower()
    assert 'value="owner.a@example.com"' in body


def test_lockout_after_five_failures_even_with_the_right_password(client, clinic_a: ClinicWorld) -> None:
    for _ in range(5):
        _login(client, "owner.a@example.com", "wrong-password", REMOTE_ADDR="192.0.2.10")
    response = _login(client, "owner.a@example.com", PASSWORD, REMOTE_ADDR="192.0.2.10")
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    # Another account from the same address is not collateral damage.
    assert _login(client, "front_desk.a@example.com", PASSWORD, REMOTE_ADDR="192.0.2.10").status_code == 302


def test_clinic_requiring_2fa_sends_staff_to_enrolment_then_accepts_a_real_code(
    client, clinic_a: ClinicWorld, settings
) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the wrong-code attempt below would otherwise throttle
    clinic_a.clinic.require_two_factor = True
    clinic_a.clinic.save()
    _login(client, "practitioner.a@example.com", PASSWORD)
    response = client.get(reverse("client-list"))
    assert response.status_code == 302 and response["Location"] == reverse("2fa-setup")

    setup = client.get(reverse("2fa-setup"))
    assert "<svg" in setup.content.decode()
    device = TOTPDevice.objects.get(user=clinic_a.users[Role.PRACTITIONER], confirmed=False)
    bad = client.post(reverse("2fa-setup"), {"token": "000000" if _code(device) != "000000" else "111111"})
    assert bad.status_code == 400 and "did not match" in bad.content.decode()
    assert client.post(reverse("2fa-setup"), {"token": _code(device)}).status_code == 302
    assert client.get(reverse("client-list")).status_code == 200


def test_user_with_an_authenticator_must_verify_at_every_sign_in(
    client, clinic_a: ClinicWorld, settings
) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    user = clinic_a.users[Role.OWNER]
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    _login(client, user.email, PASSWORD)
    response = client.get(reverse("client-list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("2fa-verify"))
    assert client.post(reverse("2fa-verify"), {"token": "12345x"}).status_code == 400
    ok = client.post(reverse("2fa-verify"), {"token": _code(device), "next": "/clients/"})
    assert ok.status_code == 302 and ok["Location"] == "/clients/"
    assert client.get(reverse("client-list")).status_code == 200


def test_verify_refuses_open_redirects(client, clinic_a: ClinicWorld) -> None:
    user = clinic_a.users[Role.OWNER]
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    _login(client, user.email, PASSWORD)
    ok = client.post(reverse("2fa-verify"), {"token": _code(device), "next": "https://evil.example/"})
    assert ok["Location"] == "/"


def test_owner_can_require_2fa_for_the_clinic(client, clinic_a: ClinicWorld) -> None:
    client.force_login(clinic_a.users[Role.OWNER])
    response = client.post(
        reverse("clinic-settings"),
        {"name": "Clinic A", "currency": "GBP", "locale": "en-GB", "require_two_factor": "on"},
    )
    assert response.status_code == 302
    clinic_a.clinic.refresh_from_db()
    assert clinic_a.clinic.require_two_factor
    # The owner now has to enrol as well before going further.
    assert client.get(reverse("client-list"))["Location"] == reverse("2fa-setup")
