"""The favicon: an SVG with a 32 px PNG fallback, linked from every page frame (staff, portal,
clinic tablet, error pages) and served from static."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from needlepoint.clinic.accounts.models import Role
from tests.conftest import ClinicWorld

SVG = "/static/needlepoint/favicon.svg"
PNG = "/static/needlepoint/favicon.png"


def _icons(body: str) -> None:
    assert f'<link rel="icon" href="{SVG}" type="image/svg+xml">' in body
    assert f'<link rel="icon" href="{PNG}" type="image/png" sizes="32x32">' in body


@pytest.mark.django_db
def test_every_frame_links_the_icon(client: Client, clinic_a: ClinicWorld) -> None:
    _icons(client.get(reverse("login")).content.decode())  # staff frame (base.html)
    _icons(client.get(reverse("learn-index")).content.decode())  # portal frame
    _icons(client.get(reverse("portal-login", args=[clinic_a.clinic.slug])).content.decode())  # type: ignore[attr-defined]
    _icons(client.get("/no/such/page/").content.decode())  # error frame
    client.force_login(clinic_a.users[Role.FRONT_DESK])  # type: ignore[arg-type]
    _icons(client.get(reverse("dashboard")).content.decode())
    tablet = reverse("intake-tablet", kwargs={"client_pk": clinic_a.client.pk})  # type: ignore[attr-defined]
    _icons(client.get(tablet).content.decode())


def _body(response: object) -> bytes:
    return b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_the_icons_are_served(client: Client) -> None:
    svg = client.get(SVG)
    assert svg.status_code == 200 and svg["Content-Type"].startswith("image/svg+xml")
    text = _body(svg).decode()
    assert text.startswith("<svg") and "<script" not in text and "<title>Needlepoint</title>" in text
    png = client.get(PNG)
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(_body(png)))
    assert image.format == "PNG" and image.size == (32, 32)
