"""One error type: every service refusal is a ``DomainError`` with its own status and code, the
API maps all of them in one place, and the web puts them on a form in one place."""

from __future__ import annotations

import importlib
import json
import pkgutil
from collections.abc import Callable
from datetime import time
from typing import Any

import pytest
from django import forms
from django.urls import reverse

from needlepoint.api.errors import MAPPED, ApiError, as_body
from needlepoint.clinic.accounts.models import Role
from needlepoint.clinic.booking.rota import RotaOverlap, ShiftSpec
from needlepoint.clinic.booking.services import BookingError, OutsidePolicy, SlotTaken
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clients.selectors import Match
from needlepoint.clinic.clients.services import DuplicateClient
from needlepoint.clinic.clinics.models import Location
from needlepoint.clinic.consent.services import ConsentInvalid, ConsentMissing
from needlepoint.clinic.errors import Conflict, DomainError, InvalidInput, NotAllowed, NotFound
from needlepoint.clinic.intake.services import IntakeInvalid
from needlepoint.clinic.plans.selectors import PlanNotBookable
from needlepoint.clinic.plans.services import PlanError
from needlepoint.clinic.pricing.services import MissingPrice
from needlepoint.clinic.treatments import errors as treatment_errors
from needlepoint.clinic.webhooks.models import WebhookEndpoint
from needlepoint.portal.services import LinkInvalid, RateLimited
from needlepoint.web.errors import apply_to_form, messages_of
from tests.clinic.journey_helpers import confirmed_plan
from tests.conftest import ClinicWorld

# How callers construct the families whose constructor is not ``(message)``; looked up along the MRO.
EXAMPLES: dict[type[DomainError], Callable[[type[Any]], DomainError]] = {
    ApiError: lambda cls: cls(418, "teapot", "Short and stout."),
    PlanError: lambda cls: cls({"area_cheeks": ["Blocked by the intake."]}),
    IntakeInvalid: lambda cls: cls({"fitzpatrick": ["Choose a type."]}),
    ConsentInvalid: lambda cls: cls({"__all__": ["Already signed."]}),
    ConsentMissing: lambda cls: cls(None, "nothing signed"),
    MissingPrice: lambda cls: cls(["Forehead"]),
    RateLimited: lambda cls: cls(),
    LinkInvalid: lambda cls: cls(),
    RotaOverlap: lambda cls: cls(_shift(9, 13), _shift(12, 17)),
    DuplicateClient: lambda cls: cls([Match(Client(pk=7, first_name="Ada", last_name="Byron"), ("email",))]),
}


def _shift(start: int, end: int) -> ShiftSpec:
    return ShiftSpec(weekday=0, location=Location(name="Harbour"), start=time(start), end=time(end))

# Codes the API has always answered with (clients depend on them).
KNOWN: dict[type[DomainError], tuple[int, str]] = {
    BookingError: (400, "booking_refused"),
    OutsidePolicy: (400, "booking_refused"),
    SlotTaken: (409, "conflict"),
    ConsentMissing: (409, "consent_missing"),
    PlanNotBookable: (400, "plan_not_bookable"),
    PlanError: (400, "invalid"),
    IntakeInvalid: (400, "invalid"),
    ConsentInvalid: (400, "invalid"),
    treatment_errors.TreatmentError: (400, "invalid"),
    treatment_errors.WrongState: (409, "wrong_state"),
    treatment_errors.ChartLocked: (409, "wrong_state"),
    treatment_errors.NotAllowed: (403, "forbidden"),
    treatment_errors.NotFound: (404, "not_found"),
    NotAllowed: (403, "forbidden"),
    NotFound: (404, "not_found"),
    RateLimited: (429, "rate_limited"),
}


def _import_everything() -> None:
    for package in ("clinic", "api", "web", "portal", "interop", "ops"):
        root = importlib.import_module(f"needlepoint.{package}")
        for info in pkgutil.walk_packages(root.__path__, f"{root.__name__}."):
            if ".migrations" not in info.name and ".tests" not in info.name:
                importlib.import_module(info.name)


def _subclasses(cls: type[DomainError]) -> set[type[DomainError]]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


def _example(cls: type[DomainError]) -> DomainError:
    make = next((EXAMPLES[k] for k in cls.__mro__ if k in EXAMPLES), lambda c: c("Refused for a reason."))
    return make(cls)


def every_domain_error() -> list[type[DomainError]]:
    _import_everything()
    return sorted(_subclasses(DomainError) | {DomainError}, key=lambda c: f"{c.__module__}.{c.__qualname__}")


def test_discovery_finds_every_family() -> None:
    found = set(every_domain_error())
    assert set(KNOWN) <= found
    assert {InvalidInput, Conflict, LinkInvalid, MissingPrice, ApiError} <= found
    # The families live in one mapping, not one handler each.
    assert [k for k in MAPPED if issubclass(k, DomainError)] == [DomainError]


def _id(cls: type[DomainError]) -> str:
    return f"{cls.__module__.removeprefix('needlepoint.')}.{cls.__qualname__}"


@pytest.mark.parametrize("cls", every_domain_error(), ids=_id)
def test_every_domain_error_maps_to_its_own_status_and_code(cls: type[DomainError]) -> None:
    exc = _example(cls)
    status, body = as_body(exc)
    error = body["error"]
    assert (status, error["code"]) == (exc.status, exc.code)
    if cls is not ApiError:  # the API's own refusal carries its status per instance
        assert (status, error["code"]) == (cls.status, cls.code)
    assert 400 <= status < 500 and error["code"] and " " not in error["code"]
    assert error["message"].strip() and error["message"] == exc.message == str(exc)
    assert error["fields"] == exc.fields
    if cls in KNOWN:
        assert (status, error["code"]) == KNOWN[cls]


def test_field_errors_reach_the_api_body() -> None:
    status, body = as_body(PlanError.one("depth_cheeks", "1.25 mm needs a reason."))
    assert status == 400 and body["error"]["fields"] == {"depth_cheeks": ["1.25 mm needs a reason."]}
    assert body["error"]["message"] == "depth_cheeks: 1.25 mm needs a reason."


def test_treatment_refusals_are_also_the_shared_kinds() -> None:
    with pytest.raises(treatment_errors.TreatmentError):
        raise treatment_errors.NotAllowed("Front desk may not chart.")
    with pytest.raises(NotAllowed):
        raise treatment_errors.NotAllowed("Front desk may not chart.")
    with pytest.raises(Conflict):
        raise treatment_errors.ChartLocked("Signed.")
    # Families that were ValueError/LookupError still are, for callers that catch those.
    assert isinstance(PlanError.one("__all__", "x"), ValueError)
    assert isinstance(MissingPrice(["Forehead"]), LookupError)


class _Form(forms.Form):
    name = forms.CharField()
    email = forms.EmailField(required=False)


def _bound() -> _Form:
    form = _Form({"name": "Ada", "email": ""})
    assert form.is_valid()
    return form


def test_apply_to_form_puts_field_errors_on_fields_and_the_rest_on_the_form() -> None:
    form = _bound()
    exc = InvalidInput(fields={"name": ["Too short."], "area_cheeks": ["Blocked."], "__all__": ["Not now."]})
    apply_to_form(form, exc)
    assert form.errors["name"] == ["Too short."]
    assert form.non_field_errors() == ["Blocked.", "Not now."]
    assert "email" not in form.errors


def test_apply_to_form_shows_a_message_without_fields_on_the_form() -> None:
    form = _bound()
    apply_to_form(form, SlotTaken("Someone booked 10:00 first."))
    assert form.non_field_errors() == ["Someone booked 10:00 first."] and "name" not in form.errors
    form = _bound()
    apply_to_form(form, treatment_errors.DepthRefused("Exceeds 2.0 mm.", field="name"))
    assert form.errors["name"] == ["Exceeds 2.0 mm."] and not form.non_field_errors()


def test_messages_of_lists_every_message() -> None:
    assert messages_of(ConsentInvalid({"typed_name": ["Type it."], "__all__": ["Signed."]})) == [
        "Type it.",
        "Signed.",
    ]
    assert messages_of(BookingError("Outside opening hours.")) == ["Outside opening hours."]


def test_a_refusal_through_a_web_form_lands_on_its_field(client: Any, clinic_a: ClinicWorld) -> None:
    from needlepoint.clinic.consent.services import generate_consent

    doc = generate_consent(confirmed_plan(clinic_a), actor=clinic_a.memberships["front_desk"])  # type: ignore[arg-type]
    client.force_login(clinic_a.users[Role.FRONT_DESK])
    url = reverse("consent-sign-tablet", kwargs={"document_pk": doc.pk})
    response = client.post(url, {"typed_name": "Somebody Else", "signature": "", "agree": "on"})
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["typed_name"] == [
        f"Type your full name as the clinic has it: {clinic_a.client.full_name}."
    ]
    assert "Please sign in the box" in form.errors["signature"][0]
    assert "as the clinic has it" in response.content.decode()


def test_a_refusal_shown_as_a_flash_message(client: Any, clinic_a: ClinicWorld) -> None:
    endpoint = WebhookEndpoint.objects.create(  # type: ignore[misc]
        clinic=clinic_a.clinic, url="https://x.example.com", events=["appointment.booked"], active=False
    )
    client.force_login(clinic_a.users[Role.OWNER])
    response = client.post(reverse("webhook-test", kwargs={"pk": endpoint.pk}), follow=True)
    assert "This endpoint is disabled: enable it before sending a test event." in response.content.decode()


def test_one_handler_answers_a_family_the_api_never_listed(rf: Any) -> None:
    # Ninja finds the DomainError handler along the MRO: a new family needs no registration.
    from needlepoint.api.api import api

    response = api.on_exception(rf.get("/api/"), LinkInvalid())
    assert response.status_code == 400
    assert json.loads(response.content)["error"] == {
        "code": "link_invalid",
        "message": LinkInvalid().message,
        "fields": {},
    }
