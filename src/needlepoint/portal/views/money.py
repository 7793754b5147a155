"""The client's money in the portal: deposits, invoices and receipts, package balances and
membership, and saving or replacing a card. A client sees only their own (permissions:
READ_BALANCE for reading, PAY_ONLINE for the card)."""

from __future__ import annotations

import logging
from typing import Any

import stripe
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from needlepoint import clock
from needlepoint.clinic.audit.services import record_access
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.errors import DomainError
from needlepoint.clinic.payments import invoice_summary, memberships, statement, stripe_payments
from needlepoint.clinic.payments.processor import processor_for
from needlepoint.clinic.payments.stripe_models import SavedCard
from needlepoint.clinic.permissions import Action, ClientActor, require
from needlepoint.interop import invoice_pdf as pdf
from needlepoint.portal.session import client_view, portal_context
from needlepoint.web.headers import policy_for

log = logging.getLogger(__name__)

NOT_SET_UP = "Card payments are not set up at this clinic."
#: What Stripe.js and its Payment Element need on top of our policy (Stripe security guide, CSP).
STRIPE_CSP = {
    "script-src": "'self' https://js.stripe.com",
    "frame-src": "https://js.stripe.com https://hooks.stripe.com",
    "connect-src": "'self' https://api.stripe.com",
}


def _client(request: HttpRequest) -> Client:
    client: Client = request.portal_client  # type: ignore[attr-defined]
    return client


@client_view
def money(request: HttpRequest) -> HttpResponse:
    client = _client(request)
    summary = statement.statement(client, actor=ClientActor(client))
    record_access(portal_context(request, client), client=client, action="portal-money")
    live = memberships.live_membership(client)
    return render(
        request,
        "portal/money.html",
        {
            "client": client,
            "clinic": client.clinic,
            "s": summary,
            "cur": summary.currency,
            "membership": memberships.state(live, clock.now()) if live else None,
        },
    )


def _invoice(request: HttpRequest, invoice_pk: int) -> tuple[Client, statement.InvoiceItem]:
    client = _client(request)
    item = statement.invoice_for(client, invoice_pk, actor=ClientActor(client))
    if item is None:
        raise Http404("No such invoice.")
    return client, item


@client_view
def invoice(request: HttpRequest, invoice_pk: int) -> HttpResponse:
    client, item = _invoice(request, invoice_pk)
    record_access(portal_context(request, client), client=client, action="portal-invoice")
    return render(
        request,
        "portal/invoice.html",
        {
            "client": client,
            "clinic": client.clinic,
            "item": item,
            "inv": item.invoice,
            "cur": item.invoice.currency,
            "has_pdf": True,
        },
    )


@client_view
def invoice_pdf(request: HttpRequest, invoice_pk: int) -> HttpResponse:
    client, item = _invoice(request, invoice_pk)
    record_access(portal_context(request, client), client=client, action="portal-invoice-pdf")
    summary = invoice_summary.summarise(item.invoice)
    response = HttpResponse(pdf.invoice_pdf(summary), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf.filename(summary)}"'
    return response


@client_view
def card(request: HttpRequest) -> HttpResponse:
    """Save or replace the card on file: a SetupIntent's client secret for Stripe's Payment
    Element (card details go from the browser to Stripe, never through us)."""
    client = _client(request)
    actor = ClientActor(client)
    require(actor, Action.PAY_ONLINE, client)
    record_access(portal_context(request, client), client=client, action="portal-card")
    context: dict[str, Any] = {"client": client, "clinic": client.clinic, "problem": "", "saved": ""}
    if processor_for(client.clinic_id) is None:
        context["problem"] = NOT_SET_UP
        return render(request, "portal/card.html", context)
    try:
        returned = request.GET.get("setup_intent", "")
        if returned:  # back from Stripe's confirmation (3-D Secure included): save the card now
            card_saved = stripe_payments.confirm_card_setup(client, returned[:80])
            context["saved"] = str(card_saved)
        secret, key = stripe_payments.start_card_setup(client)
    except DomainError as exc:
        context["problem"] = exc.message
        return render(request, "portal/card.html", context)
    except stripe.StripeError:
        log.exception("portal card page: Stripe failed for client %s", client.pk)
        context["problem"] = "Our payment provider could not be reached. Please try again in a few minutes."
        return render(request, "portal/card.html", context)
    context |= {
        "client_secret": secret,
        "publishable_key": key,
        "card_on_file": SavedCard.objects.filter(client=client, removed_at__isnull=True).first(),
        "return_url": request.build_absolute_uri(request.path),
    }
    response = render(request, "portal/card.html", context)
    # Only this page loads Stripe.js; the rest of the portal keeps the site's strict policy.
    response["Content-Security-Policy"] = _with_stripe(policy_for(request.path))
    response["Permissions-Policy"] = 'payment=(self "https://js.stripe.com")'
    return response


def _with_stripe(policy: str) -> str:
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    directives |= STRIPE_CSP
    return "; ".join(f"{k} {v}" for k, v in directives.items())
