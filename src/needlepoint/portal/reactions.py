"""The reaction report form the 48 h check-in links to. The link's signed, expiring token
identifies the client (so it opens straight from the email); a signed-in portal session works
too. Either way the client and appointment are re-read scoped to the clinic in the URL."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path

from needlepoint.clinic.booking.models import Appointment
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import Clinic
from needlepoint.clinic.messaging.reactions import SYMPTOMS, ReportInput, ReportInvalid, submit_report
from needlepoint.clinic.messaging.services import read_checkin_token
from needlepoint.portal.session import session_client
from needlepoint.web.errors import apply_to_form


class ReactionForm(forms.Form):
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
                return render(
                    request, "portal/reaction_done.html", {"clinic": clinic, "urgent": event is not None}
                )
        status = 400
    else:
        form = ReactionForm()
    return render(
        request, "portal/reaction.html", {"clinic": clinic, "form": form, "token": token}, status=status
    )


urlpatterns = [path("reaction/", report, name="portal-reaction")]
