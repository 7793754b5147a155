"""The owner's Stripe page (keys, test or live, the webhook address to give Stripe) and the
webhook endpoint itself.

The webhook has no session, so it is exempt from CSRF and proves who calls with Stripe's
signature instead (``Stripe-Signature``, checked with the clinic's webhook signing secret). It
only stores the event; the worker acts on it (clinic/payments/stripe_webhooks.py).
"""

from __future__ import annotations

import logging

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.request import RawPostDataException
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from needlepoint import clock
from needlepoint.clinic.errors import DomainError, InvalidInput, NotFound
from needlepoint.clinic.payments import stripe_payments, stripe_webhooks
from needlepoint.clinic.payments.models import StripeAccount
from needlepoint.clinic.permissions import Action
from needlepoint.web.access import clinic_of, membership_of, staff_view
from needlepoint.web.errors import apply_to_form
from needlepoint.web.forms import HardenedForm
from needlepoint.web.reauth import require_recent_auth

log = logging.getLogger(__name__)


class KeysForm(HardenedForm):
    publishable_key = forms.CharField(max_length=255, help_text="pk_test_… or pk_live_…")
    secret_key = forms.CharField(
        max_length=255,
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="sk_test_… or sk_live_…; leave blank to keep the one stored.",
    )
    webhook_secret = forms.CharField(
        label="Webhook signing secret",
        max_length=255,
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="whsec_…, shown by Stripe when you add the endpoint below; blank keeps the one stored.",
    )


def webhook_url(request: HttpRequest, slug: str) -> str:
    path = reverse("stripe-webhook", kwargs={"slug": slug})
    return settings.NEEDLEPOINT_BASE_URL.rstrip("/") + path


@staff_view(action=Action.MANAGE_CLINIC)
@require_recent_auth
def stripe_settings(request: HttpRequest) -> HttpResponse:
    clinic = clinic_of(request)
    account = StripeAccount.objects.for_clinic(clinic).first()
    form = KeysForm(
        request.POST or None, initial={"publishable_key": account.publishable_key if account else ""}
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                stripe_payments.save_keys(
                    clinic, actor=membership_of(request), now=clock.now(), **form.cleaned_data
                )
            except DomainError as exc:
                apply_to_form(form, exc)
            else:
                messages.success(request, "Stripe keys saved: card payments go through Stripe.")
                return redirect("stripe-settings")
        status = 400
    context = {"form": form, "account": account, "webhook_url": webhook_url(request, clinic.slug)}
    return render(request, "payments_stripe/settings.html", context, status=status)


@require_POST
@staff_view(action=Action.MANAGE_CLINIC)
@require_recent_auth
def stripe_disconnect(request: HttpRequest) -> HttpResponse:
    stripe_payments.disconnect(clinic_of(request), actor=membership_of(request))
    messages.success(request, "Stripe disconnected: payments are recorded as paid elsewhere.")
    return redirect("stripe-settings")


def _plain(message: str, status: int) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        payload = request.body
    except RawPostDataException:  # a form upload already read by the middleware: not from Stripe
        return _plain("Stripe sends events as JSON.", 400)
    try:
        row, created = stripe_webhooks.receive(
            slug, payload, request.headers.get("Stripe-Signature", ""), now=clock.now()
        )
    except NotFound as exc:
        return _plain(exc.message, 404)
    except InvalidInput as exc:
        log.warning("stripe webhook for %s refused: %s", slug, exc.message)
        return _plain(exc.message, 400)
    return JsonResponse({"received": row.event_id, "duplicate": not created})
