"""Issue 21, "Session and headers": every page carries a Content-Security-Policy without inline
script or style, a Referrer-Policy and a Permissions-Policy; no template holds inline script,
an inline event handler or a style attribute that the policy would block."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

import needlepoint
from tests.conftest import ClinicWorld

SRC = Path(needlepoint.__file__).parent
# Rendered by WeasyPrint into PDFs, never by a browser under the page's CSP.
PDF_TEMPLATES = {"consent/pdf.html", "pricing/quote_pdf.html", "payments/invoice_pdf.html"}


def _templates() -> list[Path]:
    return [p for p in SRC.rglob("templates/**/*.html") if not any(str(p).endswith(t) for t in PDF_TEMPLATES)]


def test_templates_hold_no_inline_script_handler_or_style() -> None:
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
    handler = re.compile(r"\son[a-z]+\s*=", re.I)
    style = re.compile(r"\sstyle\s*=|<style\b", re.I)
    found = []
    for path in _templates():
        text = path.read_text()
        for name, pattern in (
            ("inline <script>", inline_script),
            ("on*= handler", handler),
            ("style", style),
        ):
            found += [f"{path.relative_to(SRC)}: {name}: {m.group(0)!r}" for m in pattern.finditer(text)]
    assert len(_templates()) > 50
    assert not found, "\n".join(found)


def test_the_scan_would_catch_an_inline_handler() -> None:
    assert re.search(r"\son[a-z]+\s*=", '<select onchange="this.form.submit()">')


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _directives(header: str) -> dict[str, str]:
    return {d.split(" ", 1)[0]: d.split(" ", 1)[1] for d in (x.strip() for x in header.split(";")) if d}


@pytest.mark.parametrize(
    "path,role",
    [
        ("/", "owner"),
        ("/calendar/", "front_desk"),
        ("/clients/", "practitioner"),
        ("/account/login/", None),
        ("/learn/", None),
        ("/no-such-page/", "owner"),
        ("/api/me", None),
    ],
)
def test_every_response_carries_the_headers(clinic_a: ClinicWorld, path: str, role: str | None) -> None:
    http = Client()
    if role:
        http.force_login(clinic_a.users[role])  # type: ignore[arg-type]
    response = http.get(path)
    csp = _directives(response["Content-Security-Policy"])
    assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'"
    assert csp["object-src"] == "'none'" and csp["frame-ancestors"] == "'none'"
    assert csp["base-uri"] == "'self'" and csp["form-action"] == "'self'" and csp["default-src"] == "'self'"
    assert response["Referrer-Policy"] in ("same-origin", "strict-origin-when-cross-origin")
    permissions = response["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in permissions


def test_api_docs_get_their_own_narrower_exception(clinic_a: ClinicWorld) -> None:
    response = Client().get("/api/docs")
    csp = _directives(response["Content-Security-Policy"])
    assert csp["script-src"] == "'self'" and csp["style-src"] == "'self' 'unsafe-inline'"


def test_a_path_can_open_frame_ancestors_for_an_embed(clinic_a: ClinicWorld, settings: Any) -> None:
    from needlepoint.web import headers

    settings.CONTENT_SECURITY_POLICY_PATHS = [("/learn/", {"frame-ancestors": "https://clinic.example"})]
    csp = _directives(Client().get("/learn/")["Content-Security-Policy"])
    assert csp["frame-ancestors"] == "https://clinic.example"
    assert _directives(headers.policy_for("/calendar/"))["frame-ancestors"] == "'none'"
