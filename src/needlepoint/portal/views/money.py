"""The client's money in the portal: deposits, invoices and receipts, package balances, and
saving or replacing a card. A client sees only their own (permissions: READ_BALANCE for reading,
PAY_ONLINE for the card).

Two parts come from other modules when the clinic's installation has them, found at run time:
``needlepoint.interop.invoice_pdf.render_invoice_pdf(invoice) -> bytes`` (the invoice PDF; until it
exists the invoice page is HTML only) and ``needlepoint.clinic.payments.stripe_payments
.start_card_setup(client)`` (a Stripe SetupIntent for the Payment Element; without it, or in
"paid elsewhere" mode, the card page says card payments are not set up)."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from needlepoint.clinic.audit.services import record_access
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.errors import DomainError
from needlepoint.clinic.payments import statement
from needlepoint.clinic.permissions import Action, ClientActor, require
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


def _optional(module: str, name: str) -> Callable[..., Any] | None:
    """A function from a module that may not be installed yet (None if absent)."""
    try:
        found = importlib.import_module(module)
    except ImportError:
        return None
    fn = getattr(found, name, None)
    return fn if callable(fn) else None


def invoice_pdf_renderer() -> Callable[..., bytes] | None:
    return _optional("needlepoint.interop.invoice_pdf", "render_invoice_pdf")


def card_setup_starter() -> Callable[..., Any] | None:
    return _optional("needlepoint.clinic.payments.stripe_payments", "start_card_setup")


def _client(request: HttpRequest) -> Client:
    client: Client = request.portal_client  # type: ignore[attr-defined]
    return client


@client_view
def money(request: HttpRequest) -> HttpResponse:
    client = _client(request)
    summary = statement.statement(client, actor=ClientActor(client))
    record_access(portal_context(request, client), client=client, action="portal-money")
    return render(
        request,
        "portal/money.html",
        {"client": client, "clinic": client.clinic, "s": summary, "cur": summary.currency},
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
            "has_pdf": invoice_pdf_renderer() is not None,
        },
    )


@client_view
def invoice_pdf(request: HttpRequest, invoice_pk: int) -> HttpResponse:
    client, item = _invoice(request, invoice_pk)
    render_pdf = invoice_pdf_renderer()
    if render_pdf is None:  # the invoice PDF module is not installed here: the HTML page is the invoice
        raise Http404("No PDF for this invoice.")
    record_access(portal_context(request, client), client=client, action="portal-invoice-pdf")
    response = HttpResponse(render_pdf(item.invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{item.invoice.number_text}.pdf"'
    return response


@client_view
def card(request: HttpRequest) -> HttpResponse:
    """Save or replace the card on file: a SetupIntent's client secret for Stripe's Payment
    Element (card details go from the browser to Stripe, never through us)."""
    client = _client(request)
    actor = ClientActor(client)
    require(actor, Action.PAY_ONLINE, client)
    record_access(portal_context(request, client), client=client, action="portal-card")
    start = card_setup_starter()
    context: dict[str, Any] = {"client": client, "clinic": client.clinic, "problem": ""}
    if start is None:
        context["problem"] = NOT_SET_UP
        return render(request, "portal/card.html", context)
    try:
        setup = start(client)
    except DomainError as exc:
        context["problem"] = exc.message
        return render(request, "portal/card.html", context)
    secret = setup if isinstance(setup, str) else getattr(setup, "client_secret", "")
    key = getattr(setup, "publishable_key", "") or getattr(settings, "STRIPE_PUBLISHABLE_KEY", "")
    if not secret or not key:
        log.warning("card setup for client %s returned no client secret or publishable key", client.pk)
        context["problem"] = NOT_SET_UP
        return render(request, "portal/card.html", context)
    context |= {"client_secret": secret, "publishable_key": key}
    response = render(request, "portal/card.html", context)
    # Only this page loads Stripe.js; the rest of the portal keeps the site's strict policy.
    response["Content-Security-Policy"] = _with_stripe(policy_for(request.path))
    response["Permissions-Policy"] = 'payment=(self "https://js.stripe.com")'
    return response


def _with_stripe(policy: str) -> str:
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    directives |= STRIPE_CSP
    return "; ".join(f"{k} {v}" for k, v in directives.items())
