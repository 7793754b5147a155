"""A client's account: what they owe, deposits held, package credit, their invoices, payments and
packages; and "take a payment on account" (paid elsewhere, never more than is owed)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from needlepoint import clock
from needlepoint.clinic.audit.services import AccessContext
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clients.selectors import client_for_read
from needlepoint.clinic.clinics.models import Location
from needlepoint.clinic.errors import DomainError, NotAllowed, NotFound
from needlepoint.clinic.payments import ledger, selectors
from needlepoint.clinic.payments.tenders import TenderSpec, record_payment
from needlepoint.clinic.permissions import Action, may
from needlepoint.web.access import ALL_STAFF, membership_of, staff_view
from needlepoint.web.errors import apply_to_form

from .forms import AccountPaymentForm


def _page(request: HttpRequest, client: Client, form: AccountPaymentForm | None = None) -> HttpResponse:
    member = membership_of(request)
    packages = [(p, selectors.credits_left(p)) for p in client.packages.order_by("-sold_at")]
    return render(
        request,
        "payments/account.html",
        {
            "client": client,
            "balances": ledger.balances(client),
            "invoices": selectors.invoices_for(client)[:50],
            "tenders": selectors.tenders_for(client).select_related("invoice")[:50],
            "packages": packages,
            "currency": client.clinic.currency,
            "may_take_payment": may(member, Action.TAKE_PAYMENT, client),
            "form": form,
            # A client has no location of their own: the clinic's first one tells the time.
            "zone": next(
                iter(
                    Location.objects.for_clinic(client.clinic_id)
                    .order_by("pk")
                    .values_list("timezone", flat=True)
                ),
                "UTC",
            ),
        },
        status=400 if form is not None and form.errors else 200,
    )


@staff_view(*ALL_STAFF)
def client_account(request: HttpRequest, pk: int) -> HttpResponse:
    client = client_for_read(AccessContext.from_request(request), pk)
    form = (
        AccountPaymentForm(currency=client.clinic.currency)
        if may(membership_of(request), Action.TAKE_PAYMENT, client)
        else None
    )
    return _page(request, client, form)


@staff_view(action=Action.TAKE_PAYMENT)
def account_pay(request: HttpRequest, pk: int) -> HttpResponse:
    client = client_for_read(AccessContext.from_request(request), pk)
    if request.method != "POST":
        return redirect("client-account", pk=client.pk)
    form = AccountPaymentForm(request.POST, currency=client.clinic.currency)
    if not form.is_valid():
        return _page(request, client, form)
    try:
        record_payment(
            client,
            TenderSpec(form.cleaned_data["method"], form.minor("amount"), form.cleaned_data["reference"]),
            actor=membership_of(request),
            now=clock.now(),
            key=f"account:{client.pk}:{form.cleaned_data['idempotency_key']}",
        )
    except (NotAllowed, NotFound):
        raise
    except DomainError as exc:
        apply_to_form(form, exc)
        return _page(request, client, form)
    messages.success(request, "Payment recorded.")
    return redirect("client-account", pk=client.pk)
