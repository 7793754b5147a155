"""The reaction report form the 48 h check-in links to. The link's signed, expiring token
identifies the client (so it opens straight from the email); a signed-in portal session works
too. Either way the client and appointment are re-read scoped to the clinic in the URL."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path

from needlepoint.clinic.booking.models import Appointment
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import Clinic, Location
from needlepoint.clinic.messaging.reactions import (
    RED_FLAGS,
    SYMPTOMS,
    ReportInput,
    ReportInvalid,
    submit_report,
)
from needlepoint.clinic.messaging.services import read_checkin_token
from needlepoint.portal.session import session_client
from needlepoint.protocol import default_protocol
from needlepoint.web.errors import apply_to_form
from needlepoint.web.forms import HardenedForm


class ReactionForm(HardenedForm):
    symptoms = forms.MultipleChoiceField(
        choices=list(SYMPTOMS.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="What do you notice?",
    )
    days_since_session = forms.IntegerField(
        min_value=0, max_value=365, required=False, label="Days since your session"
    )
    redness_days = forms.IntegerField(
        min_value=0, max_value=365, required=False, label="For how many days has the skin been red?"
    )
    free_text = forms.CharField(
        widget=forms.Textarea, max_length=2000, required=False, label="Anything else you want to tell us"
    )


def _who(request: HttpRequest, clinic: Clinic, token: str) -> tuple[Client | None, Appointment | None]:
    if token:
        found = read_checkin_token(token)
        if found is None:
            return None, None
        client_id, appt_id = found
        client = Client.objects.for_clinic(clinic).filter(pk=client_id, is_archived=False).first()
    else:
        client, appt_id = session_client(request, clinic), None
    if client is None:
        return None, None
    appt = (
        Appointment.objects.for_clinic(clinic).filter(pk=appt_id, client=client).first() if appt_id else None
    )
    return client, appt


@dataclass(frozen=True)
class Phone:
    place: str
    number: str
    dial: str  # for tel: links: digits and a leading +


def _phones(clinic: Clinic, appt: Appointment | None) -> list[Phone]:
    """The number to call: the session's location, else every active location that has one."""
    places = (
        [appt.location]
        if appt is not None and appt.location.phone
        else list(
            Location.objects.for_clinic(clinic).filter(is_active=True).exclude(phone="").order_by("name")
        )
    )
    return [Phone(p.name, p.phone, re.sub(r"[^\d+]", "", p.phone)) for p in places]


def _call_now() -> dict[str, Any]:
    """What to do now, in the protocol's words: its "when to call us" aftercare item and the
    serious-reaction risk of numbing cream, each with its sources."""
    protocol = default_protocol()
    return {
        "call": protocol.data.aftercare["call_clinic"],
        "anaesthetic": protocol.data.risks["anaesthetic_reaction"],
        "red_flags": [SYMPTOMS[s] for s in SYMPTOMS if s in RED_FLAGS],
        "protocol": protocol,
    }


def _page(
    request: HttpRequest,
    template: str,
    clinic: Clinic,
    appt: Appointment | None,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    context = {"clinic": clinic, "phones": _phones(clinic, appt), **_call_now(), **extra}
    return render(request, template, context, status=status)


def report(request: HttpRequest, slug: str) -> HttpResponse:
    clinic = get_object_or_404(Clinic, slug=slug)
    token = request.POST.get("t") or request.GET.get("t") or ""
    client, appt = _who(request, clinic, token)
    if client is None:
        if token:
            return render(request, "portal/link_invalid.html", {"clinic": clinic}, status=400)
        return redirect("portal-login", slug=slug)
    status = 200
    if request.method == "POST":
        form = ReactionForm(request.POST)
        if form.is_valid():
            data = ReportInput(
                symptoms=form.cleaned_data["symptoms"],
                days_since_session=form.cleaned_data["days_since_session"],
                redness_days=form.cleaned_data["redness_days"],
                free_text=form.cleaned_data["free_text"],
            )
            try:
                _, event = submit_report(client, appt, data, request.FILES.getlist("photos"))
            except ReportInvalid as exc:
                apply_to_form(form, exc)
            else:
                return _page(request, "portal/reaction_done.html", clinic, appt, urgent=event is not None)
        status = 400
    else:
        form = ReactionForm()
    return _page(request, "portal/reaction.html", clinic, appt, status=status, form=form, token=token)


urlpatterns = [path("reaction/", report, name="portal-reaction")]
