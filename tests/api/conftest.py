"""API tests: tokens for the shared two-clinic world, and a small JSON client."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from needlepoint import clock
from needlepoint.clinic.api_tokens import SCOPES, issue_token, scopes_for_role
from tests.conftest import ClinicWorld


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }


def token_for(world: ClinicWorld, role: str = "owner", scopes: list[str] | None = None, **kw: Any) -> str:
    """A fresh token of `role` in `world` with `scopes` (default: every scope the role may hold)."""
    membership = world.memberships[role]
    wanted = scopes if scopes is not None else scopes_for_role(membership.role)  # type: ignore[attr-defined]
    return issue_token(membership, name="test", scopes=wanted, now=clock.now(), **kw).secret  # type: ignore[arg-type]


ALL_SCOPES = sorted(SCOPES)


class Api:
    """`api.get("/clients")` with the bearer token; returns (status, parsed JSON or bytes)."""

    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.token = token

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def request(self, method: str, path: str, body: Any = None, **params: Any) -> tuple[int, Any]:
        url = path if path.startswith("/api/") else f"/api{path}"
        call = getattr(self.client, method.lower())
        if method.upper() == "GET":
            response = call(url, params, headers=self._headers())
        elif isinstance(body, dict) and any(isinstance(v, tuple) for v in body.values()):
            # multipart: ("name.jpg", bytes) values are files
            form = {k: SimpleUploadedFile(*v) if isinstance(v, tuple) else v for k, v in body.items()}
            response = call(url, form, headers=self._headers())
        else:
            response = call(
                url, json.dumps(body or {}), content_type="application/json", headers=self._headers()
            )
        if response["Content-Type"].startswith("application/json"):
            return response.status_code, response.json()
        return response.status_code, response.content

    def get(self, path: str, **params: Any) -> tuple[int, Any]:
        return self.request("GET", path, **params)

    def post(self, path: str, body: Any = None) -> tuple[int, Any]:
        return self.request("POST", path, body)

    def delete(self, path: str) -> tuple[int, Any]:
        return self.request("DELETE", path)

    def patch(self, path: str, body: Any = None) -> tuple[int, Any]:
        return self.request("PATCH", path, body)


@pytest.fixture
def owner_api(clinic_a: ClinicWorld) -> Api:
    return Api(token_for(clinic_a, "owner"))


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    # Autouse runs before clinic_a/clinic_b: their six users are hashed cheaply (argon2 is slow by design).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
