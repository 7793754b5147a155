"""Staff pages for packages and memberships: the client's "Packages & membership" page and its
actions (sell, pay an instalment, refund unused sessions; join, pause, cancel, pay a month), and
the owner's membership plans. Each view names the service's action (staff_view), fetches
objects within the active clinic (another clinic's id: 404) and hands parsed input over."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from needlepoint import clock
from needlepoint.clinic.audit.services import AccessContext
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clients.selectors import client_for_read
from needlepoint.clinic.clinics.models import Location
from needlepoint.clinic.errors import DomainError, InvalidInput
from needlepoint.clinic.payments import ledger, memberships, packages
from needlepoint.clinic.payments.models import ClientPackage
from needlepoint.clinic.payments.models_recurring import (
    LIVE,
    ClientMembership,
    Instalment,
    MembershipCharge,
    MembershipPlan,
)
from needlepoint.clinic.payments.tenders import TenderSpec
from needlepoint.clinic.permissions import Action, may
from needlepoint.web.access import clinic_of, membership_of, staff_view
from needlepoint.web.errors import apply_to_form, messages_of

from .forms import NOT_NOW, CancelForm, JoinForm, PauseForm, PayForm, PlanForm, SellForm


def _zone(client: Client) -> ZoneInfo:
    loc = (
        client.preferred_location
        or Location.objects.filter(clinic_id=client.clinic_id).order_by("pk").first()
    )
    return ZoneInfo(loc.timezone if loc else "UTC")


def _client(request: HttpRequest, pk: int) -> Client:
    return client_for_read(AccessContext.from_request(request), pk)


def _back(client_pk: int) -> HttpResponse:
    return redirect("client-packages", client_pk=client_pk)


def _refused(request: HttpRequest, client_id: int, exc: DomainError) -> HttpResponse:
    """A refusal: the client's page again with the reason, answered with the refusal's status."""
    for message in messages_of(exc):
        messages.error(request, message)
    return _page(request, _client(request, client_id), status=exc.status)


@staff_view(action=Action.READ_BALANCE)
def client_packages(request: HttpRequest, client_pk: int) -> HttpResponse:
    """Credits left, expiry, redemptions, instalments due; the membership and its months due."""
    return _page(request, _client(request, client_pk))


def _page(
    request: HttpRequest, client: Client, sell_form: SellForm | None = None, status: int = 200
) -> HttpResponse:
    clinic = clinic_of(request)
    member = membership_of(request)
    now = clock.now()
    live = memberships.live_membership(client)
    context = {
        "client": client,
        "tz": _zone(client),
        "currency": clinic.currency,
        "balances": ledger.balances(client),
        "packages": [
            packages.state(cp)
            for cp in ClientPackage.objects.filter(client=client).prefetch_related("redemptions__appointment")
        ],
        "membership": memberships.state(live, now) if live else None,
        "past_memberships": ClientMembership.objects.filter(client=client).exclude(status__in=LIVE),
        "can_sell": may(member, Action.TAKE_PAYMENT, client),
        "can_refund": may(member, Action.REFUND, client),
        "sell_form": sell_form or SellForm(clinic=clinic, initial={"instalments": 0}),
        "pay_form": PayForm(),
        "join_form": JoinForm(clinic=clinic),
        "pause_form": PauseForm(),
        "cancel_form": CancelForm(),
    }
    return render(request, "packages/client.html", context, status=status)


@require_POST
@staff_view(action=Action.TAKE_PAYMENT)
def package_sell(request: HttpRequest, client_pk: int) -> HttpResponse:
    client = _client(request, client_pk)
    form = SellForm(request.POST, clinic=clinic_of(request))
    if form.is_valid():
        data = form.cleaned_data
        try:
            tenders = []
            if data["method"] != NOT_NOW:
                price = packages.package_price(data["package"], data["areas"])
                amount = (
                    price
                    if not data["instalments"]
                    else price - (price // data["instalments"]) * (data["instalments"] - 1)
                )
                tenders = [TenderSpec(data["method"], amount, data["reference"])]
            sale = packages.sell_package(
                client,
                data["package"],
                areas=data["areas"],
                actor=membership_of(request),
                now=clock.now(),
                tenders=tenders,
                instalments=data["instalments"],
            )
        except DomainError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(
                request, f"{sale.client_package.name} sold (invoice {sale.invoice.number_text})."
            )
            return _back(client.pk)
    return _page(request, client, sell_form=form, status=400)


@require_POST
@staff_view(action=Action.REFUND)
def package_refund(request: HttpRequest, pk: int) -> HttpResponse:
    cp = get_object_or_404(ClientPackage.objects.for_clinic(clinic_of(request)), pk=pk)
    try:
        refund = packages.refund_unused(cp, actor=membership_of(request), now=clock.now())
    except DomainError as exc:
        return _refused(request, cp.client_id, exc)
    messages.success(request, f"Unused sessions refunded ({refund.refunded_minor / 100:.2f} given back).")
    return _back(cp.client_id)


def _pay(request: HttpRequest, row: Instalment | MembershipCharge, client_id: int) -> HttpResponse:
    form = PayForm(request.POST)
    if not form.is_valid():
        return _refused(request, client_id, InvalidInput("Choose how it was paid."))
    spec = TenderSpec(form.cleaned_data["method"], row.amount_minor, form.cleaned_data["reference"])
    try:
        if isinstance(row, Instalment):
            packages.pay_instalment(row, spec, actor=membership_of(request), now=clock.now())
        else:
            memberships.pay_charge(row, spec, actor=membership_of(request), now=clock.now())
    except DomainError as exc:
        return _refused(request, client_id, exc)
    messages.success(request, "Payment recorded.")
    return _back(client_id)


@require_POST
@staff_view(action=Action.TAKE_PAYMENT)
def instalment_pay(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(Instalment.objects.for_clinic(clinic_of(request)).select_related("plan"), pk=pk)
    return _pay(request, row, row.plan.client_id)


@require_POST
@staff_view(action=Action.TAKE_PAYMENT)
def membership_charge_pay(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(
        MembershipCharge.objects.for_clinic(clinic_of(request)).select_related("membership"), pk=pk
    )
    return _pay(request, row, row.membership.client_id)


@require_POST
@staff_view(action=Action.TAKE_PAYMENT)
def membership_join(request: HttpRequest, client_pk: int) -> HttpResponse:
    client = _client(request, client_pk)
    form = JoinForm(request.POST, clinic=clinic_of(request))
    if not form.is_valid():
        return _refused(request, client.pk, InvalidInput("Choose a membership plan of this clinic."))
    try:
        memberships.join(client, form.cleaned_data["plan"], actor=membership_of(request), now=clock.now())
    except DomainError as exc:
        return _refused(request, client.pk, exc)
    messages.success(request, f"{client.full_name} joined {form.cleaned_data['plan'].name}.")
    return _back(client.pk)


def _membership(request: HttpRequest, pk: int) -> ClientMembership:
    return get_object_or_404(ClientMembership.objects.for_clinic(clinic_of(request)), pk=pk)


@require_POST
@staff_view(action=Action.TAKE_PAYMENT)
def membership_pause(request: HttpRequest, pk: int) -> HttpResponse:
    m = _membership(request, pk)
    form = PauseForm(request.POST)
    if not form.is_valid():
        return _refused(request, m.client_id, InvalidInput("Give the date the pause ends."))
    from datetime import datetime, time

    until = datetime.combine(form.cleaned_data["until"], time.min, tzinfo=_zone(m.client))
    try:
        memberships.pause(m, until=until, actor=membership_of(request), now=clock.now())
    except DomainError as exc:
        return _refused(request, m.client_id, exc)
    messages.success(request, "Membership paused.")
    return _back(m.client_id)


@require_POST
@staff_view(action=Action.TAKE_PAYMENT)
def membership_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    m = _membership(request, pk)
    form = CancelForm(request.POST)
    form.is_valid()
    try:
        memberships.cancel(
            m, actor=membership_of(request), now=clock.now(), override=bool(form.cleaned_data.get("override"))
        )
    except DomainError as exc:
        return _refused(request, m.client_id, exc)
    messages.success(request, "Membership cancelled.")
    return _back(m.client_id)


@staff_view(action=Action.MANAGE_CLINIC)
def membership_plans(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """The owner's membership plans: the list, and a form to add one (or edit `pk`)."""
    clinic = clinic_of(request)
    plan = (
        get_object_or_404(MembershipPlan.objects.for_clinic(clinic), pk=pk)
        if pk
        else MembershipPlan(clinic=clinic)
    )
    form = PlanForm(request.POST or None, instance=plan, clinic=clinic)
    if request.method == "POST" and form.is_valid():
        try:
            saved = memberships.save_plan(form.apply(), actor=membership_of(request))
        except DomainError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, f"Plan {saved.name} saved.")
            return redirect("membership-plans")
    context = {
        "plans": MembershipPlan.objects.for_clinic(clinic),
        "form": form,
        "editing": plan if pk else None,
        "currency": clinic.currency,
    }
    return render(request, "packages/plans.html", context, status=400 if form.errors else 200)
