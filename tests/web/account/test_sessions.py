"""Staff sessions (issue 21, finding 11 and "Session and headers"): case-insensitive sign-in with
one lockout count per address, idle timeout, re-authentication for sensitive owner actions,
`__Host-` cookies under HTTPS."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from needlepoint.clinic.accounts.middleware import LAST_SEEN_KEY
from needlepoint.clinic.accounts.models import Role, User
from needlepoint.web.reauth import SESSION_KEY as AUTH_AT_KEY
from tests.conftest import PASSWORD, ClinicWorld


@pytest.fixture(autouse=True)
def _fresh_axes(db: None) -> None:
    from axes.utils import reset

    reset()
    cache.clear()


def _login(client: Client, email: str, password: str = PASSWORD, **extra: Any) -> Any:
    return client.post(reverse("login"), {"username": email, "password": password}, **extra)


# --- email case -----------------------------------------------------------------------------


def test_sign_in_ignores_the_case_of_the_address(client: Client, clinic_a: ClinicWorld) -> None:
    response = _login(client, "  Owner.A@Example.COM ")
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")


def test_new_accounts_are_stored_lower_case(db: None) -> None:
    assert User.objects.create_user("Mixed.Case@Example.com", PASSWORD).email == "mixed.case@example.com"
    user = User(email="Other@Example.com")
    user.save()
    assert User.objects.get(pk=user.pk).email == "other@example.com"


def test_case_variants_share_one_lockout(client: Client, clinic_a: ClinicWorld) -> None:
    variants = [
        "owner.a@example.com",
        "OWNER.A@example.com",
        "Owner.A@Example.com",
        "owner.a@EXAMPLE.com",
        "oWnEr.a@example.com",
    ]
    for email in variants:
        _login(client, email, "wrong-password", REMOTE_ADDR="192.0.2.10")
    locked = _login(client, "OWNER.a@example.COM", PASSWORD, REMOTE_ADDR="192.0.2.10")
    assert locked.status_code == 429


# --- idle timeout ---------------------------------------------------------------------------


def _age(client: Client, key: str, minutes: float) -> None:
    """Move a session timestamp `minutes` into the past (the session keeps real time)."""
    session = client.session
    session[key] -= minutes * 60
    session.save()


def _idle(client: Client, minutes: float) -> None:
    _age(client, LAST_SEEN_KEY, minutes)


def _password_typed_ago(client: Client, minutes: float) -> None:
    _age(client, AUTH_AT_KEY, minutes)


def _signed_in(world: ClinicWorld, role: str = Role.OWNER) -> Client:
    client = Client()
    assert _login(client, f"{role}.a@example.com").status_code == 302
    return client


def test_idle_session_is_signed_out_with_a_message(clinic_a: ClinicWorld, settings: Any) -> None:
    settings.NEEDLEPOINT_IDLE_TIMEOUT_MINUTES = 30
    client = _signed_in(clinic_a)
    _idle(client, 29)
    assert client.get(reverse("client-list")).status_code == 200  # activity resets the clock
    _idle(client, 29)
    assert client.get(reverse("client-list")).status_code == 200
    _idle(client, 31)
    response = client.get(reverse("client-list") + "?q=x")
    assert response.status_code == 302
    assert response["Location"] == reverse("login") + "?next=%2Fclients%2F%3Fq%3Dx"
    page = client.get(response["Location"])
    assert "signed out after a period of inactivity" in page.content.decode()
    assert client.get(reverse("client-list")).status_code == 302  # really signed out


def test_idle_htmx_request_gets_401_with_hx_redirect(clinic_a: ClinicWorld, settings: Any) -> None:
    settings.NEEDLEPOINT_IDLE_TIMEOUT_MINUTES = 5
    client = _signed_in(clinic_a)
    _idle(client, 6)
    response = client.get(reverse("client-list"), headers={"HX-Request": "true"})
    assert response.status_code == 401 and response["HX-Redirect"] == reverse("login")


def test_idle_timeout_is_configured_by_environment() -> None:
    out = _settings_with({"NEEDLEPOINT_IDLE_TIMEOUT_MINUTES": "12"}, "NEEDLEPOINT_IDLE_TIMEOUT_MINUTES")
    assert out == 12
    assert _settings_with({}, "NEEDLEPOINT_IDLE_TIMEOUT_MINUTES") == 30


# --- re-authentication ----------------------------------------------------------------------

SENSITIVE = ["staff-create", "clinic-settings", "webhook-new"]


@pytest.mark.parametrize("name", SENSITIVE)
def test_sensitive_pages_ask_for_the_password_after_ten_minutes(clinic_a: ClinicWorld, name: str) -> None:
    client = _signed_in(clinic_a)
    url = reverse(name)
    assert client.get(url).status_code == 200  # just signed in: fresh enough
    _password_typed_ago(client, 11)
    asked = client.get(url)
    assert asked.status_code == 302 and asked["Location"].startswith(reverse("reauth") + "?next=")
    page = client.get(asked["Location"])
    assert page.status_code == 200 and "Confirm your password" in page.content.decode()
    wrong = client.post(asked["Location"], {"password": "not-it", "next": url})
    assert wrong.status_code == 400
    right = client.post(asked["Location"], {"password": PASSWORD, "next": url})
    assert right.status_code == 302 and right["Location"] == url
    assert client.get(url).status_code == 200


def test_staff_edit_post_without_recent_password_changes_nothing(clinic_a: ClinicWorld) -> None:
    client = _signed_in(clinic_a)
    desk = clinic_a.memberships[Role.FRONT_DESK]
    _password_typed_ago(client, 11)
    response = client.post(reverse("staff-edit", args=[desk.pk]), {"role": "owner", "is_active": "on"})  # type: ignore[attr-defined]
    assert response.status_code == 302 and response["Location"].startswith(reverse("reauth"))
    htmx = client.post(
        reverse("staff-edit", args=[desk.pk]),  # type: ignore[attr-defined]
        {"role": "owner", "is_active": "on"},
        headers={"HX-Request": "true"},
    )
    assert htmx.status_code == 401 and htmx["HX-Redirect"].startswith(reverse("reauth"))
    desk.refresh_from_db()  # type: ignore[attr-defined]
    assert desk.role == Role.FRONT_DESK  # type: ignore[attr-defined]


def test_api_token_creation_needs_a_recent_password(clinic_a: ClinicWorld) -> None:
    from needlepoint.clinic.accounts.models import ApiToken

    client = _signed_in(clinic_a, Role.FRONT_DESK)
    form = {"name": "n8n", "scopes": ["clients:read"], "expires_in_days": "30"}
    _password_typed_ago(client, 11)
    assert client.get(reverse("api-tokens")).status_code == 200  # reading the list is fine
    response = client.post(reverse("api-tokens"), form)
    assert response.status_code == 302 and response["Location"].startswith(reverse("reauth"))
    assert not ApiToken.objects.exists()
    client.post(reverse("reauth"), {"password": PASSWORD})
    assert client.post(reverse("api-tokens"), form).status_code == 200
    assert ApiToken.objects.count() == 1


def test_confirm_page_returns_only_to_this_site(clinic_a: ClinicWorld) -> None:
    client = _signed_in(clinic_a)
    response = client.post(reverse("reauth"), {"password": PASSWORD, "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")
    response = client.post(reverse("reauth"), {"password": PASSWORD, "next": "//evil.example/x"})
    assert response["Location"] == reverse("dashboard")


def test_confirm_page_failures_count_towards_the_lockout(clinic_a: ClinicWorld) -> None:
    client = _signed_in(clinic_a)
    for _ in range(5):
        client.post(reverse("reauth"), {"password": "guess"}, REMOTE_ADDR="127.0.0.1")
    assert client.post(reverse("reauth"), {"password": PASSWORD}, REMOTE_ADDR="127.0.0.1").status_code == 429


# --- cookies --------------------------------------------------------------------------------


def _settings_with(env: dict[str, str], *names: str) -> Any:
    """Import the settings module in a fresh interpreter with `env` set; the values of `names`."""
    code = (
        "import json; from django.conf import settings as s; "
        f"print(json.dumps([getattr(s, n) for n in {list(names)!r}]))"
    )
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith("NEEDLEPOINT_") or k == "NEEDLEPOINT_DATA_DIR"
    }
    clean["DJANGO_SETTINGS_MODULE"] = "needlepoint.settings"
    out = subprocess.run(
        [sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True, check=True
    ).stdout
    values = json.loads(out.strip().splitlines()[-1])
    return values[0] if len(values) == 1 else values


def test_host_prefixed_cookies_under_https() -> None:
    names = (
        "SESSION_COOKIE_NAME",
        "CSRF_COOKIE_NAME",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_PATH",
        "CSRF_COOKIE_PATH",
        "SESSION_COOKIE_DOMAIN",
        "CSRF_COOKIE_DOMAIN",
    )
    secure = _settings_with({"NEEDLEPOINT_SECURE": "1"}, *names)
    assert secure == ["__Host-sessionid", "__Host-csrftoken", True, True, "/", "/", None, None]
    plain = _settings_with({}, *names[:2])
    assert plain == ["sessionid", "csrftoken"]  # browsers refuse __Host- cookies over plain HTTP


def test_host_prefixed_cookies_are_sent_with_secure_and_root_path(
    clinic_a: ClinicWorld, settings: Any
) -> None:
    settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME = "__Host-sessionid", "__Host-csrftoken"
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("login"), secure=True)
    csrf = page.cookies["__Host-csrftoken"]
    assert csrf["secure"] and csrf["path"] == "/" and not csrf["domain"]
    response = client.post(
        reverse("login"),
        {"username": "owner.a@example.com", "password": PASSWORD, "csrfmiddlewaretoken": csrf.value},
        secure=True,
        headers={"Referer": "https://testserver/account/login/"},
    )
    assert response.status_code == 302
    session = response.cookies["__Host-sessionid"]
    assert session["secure"] and session["path"] == "/" and not session["domain"]
    assert client.get(reverse("dashboard"), secure=True).status_code == 200


def test_api_calls_are_not_redirected_by_an_idle_browser_session(clinic_a: ClinicWorld) -> None:
    from tests.api.conftest import token_for

    client = _signed_in(clinic_a)
    _idle(client, 31)
    secret = token_for(clinic_a, "owner")
    response = client.get("/api/clients", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    assert client.get(reverse("client-list")).status_code == 302  # the web session still timed out
