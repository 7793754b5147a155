"""Staff pages for messaging: delivery log, templates, quiet hours, reaction reports."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from needlepoint.clinic.audit.services import AccessContext, record_access
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.messaging import phones, selectors
from needlepoint.clinic.messaging.languages import normalise_language, valid_language
from needlepoint.clinic.messaging.models import Kind, MessageTemplate, MessagingSettings, Status
from needlepoint.clinic.messaging.services import settings_for
from needlepoint.clinic.messaging.template_library import ALLOWED_FILTERS, ALLOWED_TAGS
from needlepoint.clinic.messaging.templates import (
    DEFAULTS,
    MAX_SOURCE,
    TEMPLATED_KINDS,
    limit_for,
    template_problem,
    validate_template_source,
)
from needlepoint.clinic.sensitivity import message_kinds_hidden, visible_messages
from needlepoint.web.access import ALL_STAFF, CLINICAL, OWNER_ONLY, clinic_of, membership_of, staff_view
from needlepoint.web.forms import HardenedModelForm
from needlepoint.web.photo_response import photo_response
from needlepoint.web.query import query_id


@staff_view(*ALL_STAFF)
def delivery_log(request: HttpRequest) -> HttpResponse:
    clinic = clinic_of(request)
    client_id = query_id(request, "client")
    status = request.GET.get("status", "") if request.GET.get("status") in Status.values else ""
    kind = request.GET.get("kind", "") if request.GET.get("kind") in Kind.values else ""
    client = (
        Client.objects.for_clinic(clinic).filter(pk=client_id).first() if isinstance(client_id, int) else None
    )
    qs = selectors.delivery_log(clinic, client_id=client.pk if client else None, status=status, kind=kind)
    # Red-flag staff alerts are clinical: not even listed for front desk.
    qs = visible_messages(membership_of(request), qs)
    if client_id and client is None:
        qs = qs.none()
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    # Recipients and message bodies are PHI: the read is logged like a client list.
    record_access(AccessContext.from_request(request), client=client, action="message_log")
    return render(
        request,
        "messaging/log.html",
        {
            "page": page,
            "client": client,
            "status": status,
            "kind": kind,
            "statuses": Status.choices,
            "kinds": [
                (v, label)
                for v, label in Kind.choices
                if v not in message_kinds_hidden(membership_of(request))
            ],
        },
    )


class TemplateForm(HardenedModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["kind", "language", "subject", "body", "sms_body"]
        widgets = {"body": forms.Textarea(attrs={"maxlength": MAX_SOURCE})}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # Sign-in links and invitations have fixed text: only the client messages are worded here.
        self.fields["kind"].choices = [(k, label) for k, label in Kind.choices if k in TEMPLATED_KINDS]  # type: ignore[attr-defined]

    def clean_language(self) -> str:
        tag = str(self.cleaned_data.get("language") or "")
        if not valid_language(tag):
            raise forms.ValidationError("Use a language tag such as en, fr or en-GB.")
        return normalise_language(tag)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        for name in ("subject", "body", "sms_body"):
            try:
                # Rendered with sample data: refused tags/filters, too long or too slow, said here.
                validate_template_source(str(data.get(name) or ""), limit=limit_for(name))
            except forms.ValidationError as exc:
                self.add_error(name, exc)
        return data


@staff_view(*OWNER_ONLY)
def templates(request: HttpRequest) -> HttpResponse:
    clinic = clinic_of(request)
    kind = request.POST.get("kind") or request.GET.get("kind") or ""
    language = normalise_language((request.POST.get("language") or request.GET.get("language") or "en")[:10])
    existing = selectors.templates_of(clinic).filter(kind=kind, language=language).first()
    if request.method == "POST":
        form = TemplateForm(request.POST, instance=existing or MessageTemplate(clinic=clinic))
        if form.is_valid():
            form.save()
            messages.success(request, "Template saved.")
            return redirect("messaging-templates")
        status = 400
    else:
        initial = {}
        if existing is None and kind in DEFAULTS:
            initial = {
                "kind": kind,
                "language": language,
                "subject": DEFAULTS[kind][0],
                "body": DEFAULTS[kind][1],
            }
        form = TemplateForm(instance=existing, initial=initial)
        status = 200
    return render(
        request,
        "messaging/templates.html",
        {
            "form": form,
            # A stored template the checks refuse is not used (the built-in wording is): say why.
            "rows": [(t, template_problem(t)) for t in selectors.templates_of(clinic)],
            "kinds": [(k, label) for k, label in Kind.choices if k in TEMPLATED_KINDS],
            "allowed_tags": ", ".join(ALLOWED_TAGS),
            "allowed_filters": ", ".join(ALLOWED_FILTERS),
        },
        status=status,
    )


class SettingsForm(HardenedModelForm):
    class Meta:
        model = MessagingSettings
        fields = [
            "quiet_hours_enabled",
            "quiet_start",
            "quiet_end",
            "numbing_at_home",
            "max_attempts",
            "next_session_days_before",
            "review_days",
            "touch_up_days",
            "redness_days_flag",
            "sms_number",
        ]
        widgets = {
            "quiet_start": forms.TimeInput(attrs={"type": "time"}),
            "quiet_end": forms.TimeInput(attrs={"type": "time"}),
        }

    def clean_sms_number(self) -> str:
        raw = str(self.cleaned_data.get("sms_number") or "").strip()
        if not raw:
            return ""
        number = phones.as_e164(raw)
        if number is None:
            raise forms.ValidationError("Use the international format, e.g. +447700900123.")
        taken = MessagingSettings.objects.exclude(clinic_id=self.instance.clinic_id).filter(sms_number=number)
        if taken.exists():
            raise forms.ValidationError("Another clinic on this installation already uses this number.")
        return number


@staff_view(*OWNER_ONLY)
def settings_view(request: HttpRequest) -> HttpResponse:
    clinic = clinic_of(request)
    instance = settings_for(clinic.pk)
    form = SettingsForm(request.POST or None, instance=instance)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, "Messaging settings saved. Quiet hours use each location's local time.")
            return redirect("messaging-settings")
        return render(request, "messaging/settings.html", {"form": form}, status=400)
    return render(request, "messaging/settings.html", {"form": form})


@staff_view(*CLINICAL)
def reaction_reports(request: HttpRequest) -> HttpResponse:
    clinic = clinic_of(request)
    page = Paginator(selectors.reaction_reports(clinic), 50).get_page(request.GET.get("page"))
    record_access(AccessContext.from_request(request), client=None, action="reaction_reports")
    return render(request, "messaging/reactions.html", {"page": page})


@staff_view(*CLINICAL)
def reaction_photo(request: HttpRequest, photo_pk: int) -> HttpResponse:
    photo = selectors.reaction_photo_for_read(AccessContext.from_request(request), photo_pk)
    return photo_response(request, photo.image)
