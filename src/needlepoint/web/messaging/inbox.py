"""Staff inbox: replies from clients, a conversation per client (answer by text or email, mark
handled), and, for the owner, replies nobody could match. Times in the client's location zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from needlepoint import clock
from needlepoint.clinic.audit.services import AccessContext, record_access
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import Clinic, Location
from needlepoint.clinic.errors import DomainError
from needlepoint.clinic.messaging import conversations, selectors
from needlepoint.clinic.messaging.models import Channel, Conversation, InboundMessage
from needlepoint.clinic.permissions import Action, may
from needlepoint.clinic.sensitivity import inbound_hidden
from needlepoint.web.access import ALL_STAFF, OWNER_ONLY, clinic_of, membership_of, staff_view
from needlepoint.web.errors import apply_to_form
from needlepoint.web.forms import HardenedForm


def zone_of(clinic: Clinic, client: Client | None) -> ZoneInfo:
    location = client.preferred_location if client is not None else None
    if location is None:
        location = Location.objects.for_clinic(clinic).order_by("pk").first()
    return ZoneInfo(location.timezone if location is not None else "UTC")


def _local(at: datetime, zone: ZoneInfo) -> datetime:
    return at.astimezone(zone)


@staff_view(*ALL_STAFF)
def inbox(request: HttpRequest) -> HttpResponse:
    clinic = clinic_of(request)
    member = membership_of(request)
    page = Paginator(selectors.inbox(clinic), 50).get_page(request.GET.get("page"))
    zone = zone_of(clinic, None)
    rows = []
    for conversation in page:
        last = conversation.messages.first()
        hidden = last is not None and inbound_hidden(member, last.clinical)
        rows.append(
            {
                "conversation": conversation,
                "last": last,
                "snippet": "" if last is None or hidden else (last.subject or last.body)[:120],
                "hidden": hidden,
                "at": _local(conversation.last_inbound_at, zone) if conversation.last_inbound_at else None,
            }
        )
    owner = may(member, Action.MANAGE_CLINIC)
    unmatched = []
    if owner:
        unmatched = [{"m": m, "at": _local(m.received_at, zone)} for m in selectors.unmatched(clinic)[:100]]
    # Senders and snippets are PHI: logged like a client list.
    record_access(AccessContext.from_request(request), client=None, action="message_inbox")
    return render(
        request,
        "messaging/inbox.html",
        {"page": page, "rows": rows, "unmatched": unmatched, "owner": owner, "zone": zone.key},
    )


class AnswerForm(HardenedForm):
    channel = forms.ChoiceField(choices=Channel.choices, label="Answer by")
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), max_length=conversations.MAX_EMAIL, label="Answer"
    )


def _default_channel(conversation: Conversation) -> str:
    last = conversation.messages.first()
    return last.channel if last is not None else Channel.SMS


@staff_view(action=Action.ANSWER_CLIENT)
def conversation(request: HttpRequest, pk: int) -> HttpResponse:
    clinic = clinic_of(request)
    member = membership_of(request)
    found = selectors.conversation_of(clinic, pk)
    status = 200
    if request.method == "POST":
        form = AnswerForm(request.POST)
        if form.is_valid():
            try:
                conversations.answer(
                    member,
                    found,
                    channel=form.cleaned_data["channel"],
                    text=form.cleaned_data["text"],
                    now=clock.now(),
                )
            except DomainError as exc:
                apply_to_form(form, exc)
            else:
                messages.success(request, "Answer queued; it goes out within a minute.")
                return redirect("messaging-conversation", pk=found.pk)
        status = 400
    else:
        form = AnswerForm(initial={"channel": _default_channel(found)})
    zone = zone_of(clinic, found.client)
    entries = [(e, _local(e.at, zone)) for e in conversations.thread(member, found)]
    record_access(AccessContext.from_request(request), client=found.client, action="conversation")
    return render(
        request,
        "messaging/conversation.html",
        {
            "conversation": found,
            "client": found.client,
            "entries": entries,
            "form": form,
            "zone": zone.key,
            "unread": any(e.inbound and not e.handled for e, _ in entries),
            "reads_clinical": may(member, Action.READ_CLINICAL),
        },
        status=status,
    )


@require_POST
@staff_view(action=Action.ANSWER_CLIENT)
def conversation_handled(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.conversation_of(clinic_of(request), pk)
    conversations.mark_handled(membership_of(request), found, now=clock.now())
    messages.success(request, f"Replies from {found.client.full_name} marked handled.")
    return redirect("messaging-inbox")


@require_POST
@staff_view(*OWNER_ONLY)
def unmatched_handled(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_object_or_404(InboundMessage.objects.for_clinic(clinic_of(request)), pk=pk, client=None)
    conversations.dismiss_unmatched(membership_of(request), message, now=clock.now())
    messages.success(request, "Marked handled.")
    return redirect("messaging-inbox")
