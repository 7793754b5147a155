"""The 400, 403 (and CSRF), 404 and 500 pages: in the app's look, a way home, no stack, path or
exception detail, with DEBUG off; the 500 page renders with neither a request nor the database."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.test import Client, RequestFactory, override_settings
from django.urls import include, path, reverse

from needlepoint.clinic.accounts.models import Role
from tests.conftest import ClinicWorld

SECRET = "s3cret-detail-in-the-exception"


def _boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(SECRET)


def _bad(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation(SECRET)


def _denied(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


urlpatterns = [
    path("boom/", _boom),
    path("bad/", _bad),
    path("denied/", _denied),
    path("", include("needlepoint.urls")),
]


def _looks_like_the_app(body: str) -> None:
    assert 'class="topbar"' in body and "needlepoint/app.css" in body
    assert 'id="error-home" href="/"' in body or 'href="/" id="error-home"' in body
    assert "Traceback" not in body and SECRET not in body and "File &quot;" not in body
    assert "<h1" in body


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_404_page(client: Client) -> None:
    response = client.get("/no/such/page/?x=<script>")
    body = response.content.decode()
    assert response.status_code == 404 and "We could not find that page" in body
    _looks_like_the_app(body)
    assert "/no/such/page" not in body and "Request URL" not in body


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_404_for_another_clinics_object(client: Client, clinic_a: ClinicWorld, clinic_b: ClinicWorld) -> None:
    client.force_login(clinic_a.users[Role.OWNER])  # type: ignore[arg-type]
    response = client.get(reverse("client-detail", kwargs={"pk": clinic_b.client.pk}))  # type: ignore[attr-defined]
    assert response.status_code == 404
    _looks_like_the_app(response.content.decode())
    assert "matches the given query" not in response.content.decode()


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_403_page_says_why_in_the_apps_words(client: Client, clinic_a: ClinicWorld) -> None:
    client.force_login(clinic_a.users[Role.FRONT_DESK])  # type: ignore[arg-type]
    response = client.get(reverse("price-list"))
    body = response.content.decode()
    assert response.status_code == 403 and "You may not open this page" in body
    assert "Your role does not allow this." in body
    _looks_like_the_app(body)


@pytest.mark.django_db
@override_settings(DEBUG=False, ROOT_URLCONF=__name__)
def test_400_and_bare_403(client: Client) -> None:
    bad = client.get("/bad/")
    assert bad.status_code == 400 and "That request could not be read" in bad.content.decode()
    _looks_like_the_app(bad.content.decode())
    denied = client.get("/denied/")
    assert denied.status_code == 403 and "does not include this page" in denied.content.decode()
    _looks_like_the_app(denied.content.decode())


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_csrf_failure_page(clinic_a: ClinicWorld) -> None:
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(reverse("login"), {"username": "x", "password": "y"})
    body = response.content.decode()
    assert response.status_code == 403 and "This form has expired" in body and "Nothing was saved" in body
    _looks_like_the_app(body)
    assert "CSRF" not in body  # Django's page names the mechanism and its settings; ours does not


@pytest.mark.django_db
@override_settings(DEBUG=False, ROOT_URLCONF=__name__)
def test_500_page_through_the_stack() -> None:
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    body = response.content.decode()
    assert response.status_code == 500 and "Something went wrong on our side" in body
    _looks_like_the_app(body)


def test_500_page_needs_no_request_context_nor_database() -> None:
    """No django_db mark: any query here raises. Django's server_error renders with no
    context processors; so does this."""
    from django.views.defaults import server_error

    response = server_error(RequestFactory().get("/anything/"))
    body = response.content.decode()
    assert response.status_code == 500
    _looks_like_the_app(body)
    # Rendered bare too: a template that needed the request would fail here.
    bare: Any = loader.get_template("500.html").render()
    assert "Something went wrong on our side" in bare
