"""Deposit pages: the badge on the appointment page and the day sheet, recording a deposit paid
elsewhere (front desk, owner), owner-only waivers, and the owner's /settings/deposits/."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.urls import reverse

from needlepoint.clinic.booking import services
from needlepoint.clinic.booking.models import Appointment
from needlepoint.clinic.payments import deposits, ledger
from needlepoint.clinic.payments.models import DepositKind, DepositPolicy, DepositStatus, LedgerEntry, Tender
from needlepoint.clinic.permissions import SystemActor
from tests.clinic.booking.conftest import NOW, BookingWorld, make_booking_world, spec
from tests.clinic.payments.helpers import assert_ledger_consistent
from tests.conftest import ClinicWorld
from tests.web.test_isolation import EXTRA_ROUTES

EXTRA_ROUTES.update(
    {
        "appointment-deposit-paid": "appointment",
        "appointment-waive-fee": "appointment",
        "appointment-waive-forfeit": "appointment",
        "deposit-policy-edit": "appointment_type",
    }
)

pytestmark = pytest.mark.django_db


def _now(at: Any = NOW) -> Any:
    return mock.patch("needlepoint.clock.now", return_value=at)


def book(world: ClinicWorld, *, deposit: int | None = 5000) -> tuple[BookingWorld, Appointment]:
    bw = make_booking_world(world)
    if deposit:
        DepositPolicy.objects.create(
            clinic=world.clinic, appointment_type=bw.kind, kind=DepositKind.FIXED, amount_minor=deposit
        )
    s = spec(bw, sessions=1)
    result, _ = services.search_series(world.clinic, s, now=NOW)
    series = services.book_series(
        world.clinic, s, list(result.options[0].sessions), actor=SystemActor(world.clinic.pk, "test")
    )
    return bw, series.appointments.get()


def test_front_desk_sees_deposit_required_and_records_it_paid(client: Any, clinic_a: ClinicWorld) -> None:
    _, appt = book(clinic_a)
    client.force_login(clinic_a.users["front_desk"])
    with _now():
        page = client.get(reverse("appointment-detail", args=[appt.pk])).content.decode()
    assert 'data-deposit="due"' in page and "Deposit required" in page and "£50.00" in page
    assert reverse("appointment-deposit-paid", args=[appt.pk]) in page
    assert "Waive" not in page  # owners only
    with _now():
        done = client.post(
            reverse("appointment-deposit-paid", args=[appt.pk]),
            {"method": "card_terminal", "reference": "slip 12"},
            follow=True,
        )
    body = done.content.decode()
    assert done.status_code == 200 and "booking confirmed" in body and 'data-deposit="paid"' in body
    assert Tender.objects.get().reference == "slip 12"
    assert deposits.is_confirmed(appt)
    # a second post is refused with a message, nothing recorded twice
    with _now():
        again = client.post(
            reverse("appointment-deposit-paid", args=[appt.pk]), {"method": "cash"}, follow=True
        )
    assert "The deposit is paid" in again.content.decode() and Tender.objects.count() == 1
    assert_ledger_consistent(clinic_a.client)


def test_card_needed_shows_until_the_client_saves_a_card(client: Any, clinic_a: ClinicWorld) -> None:
    from needlepoint.clinic.payments.selectors import settings_for
    from tests.clinic.payments.deposit_fake import installed

    bw, appt = book(clinic_a)
    DepositPolicy.objects.filter(appointment_type=bw.kind).update(card_required=True)
    ps = settings_for(clinic_a.clinic)
    ps.processor = "stripe"
    ps.save()
    client.force_login(clinic_a.users["front_desk"])
    with installed() as cards, _now():
        page = client.get(reverse("appointment-detail", args=[appt.pk])).content.decode()
        assert 'data-card="needed"' in page and "saves a card" in page
        cards.cards.add(clinic_a.client.pk)
        page = client.get(reverse("appointment-detail", args=[appt.pk])).content.decode()
        assert 'data-card="needed"' not in page


def test_practitioner_may_not_record_a_deposit_and_bad_method_changes_nothing(
    client: Any, clinic_a: ClinicWorld
) -> None:
    _, appt = book(clinic_a)
    url = reverse("appointment-deposit-paid", args=[appt.pk])
    client.force_login(clinic_a.users["practitioner"])
    assert client.post(url, {"method": "cash"}).status_code == 403
    client.force_login(clinic_a.users["owner"])
    with _now():
        client.post(url, {"method": "stripe"})
    assert not Tender.objects.exists() and deposits.deposit_state(appt) == DepositStatus.DUE
    assert client.get(url).status_code == 405


def test_another_clinics_appointment_is_not_found(
    client: Any, clinic_a: ClinicWorld, clinic_b: ClinicWorld
) -> None:
    _, theirs = book(clinic_b)
    bw, _ = book(clinic_a)
    client.force_login(clinic_a.users["owner"])
    for route in ("appointment-deposit-paid", "appointment-waive-fee", "appointment-waive-forfeit"):
        assert (
            client.post(reverse(route, args=[theirs.pk]), {"method": "cash", "reason": "x"}).status_code
            == 404
        )
    other_type = DepositPolicy.objects.get(clinic=clinic_b.clinic).appointment_type
    assert client.get(reverse("deposit-policy-edit", args=[other_type.pk])).status_code == 404
    assert client.get(reverse("deposit-policy-edit", args=[bw.kind.pk])).status_code == 200
    assert not Tender.objects.exists()


def test_owner_waives_a_forfeit_and_a_fee_from_the_appointment_page(
    client: Any, clinic_a: ClinicWorld
) -> None:
    _, appt = book(clinic_a)
    desk = clinic_a.memberships["front_desk"]
    deposits.record_deposit_paid(appt, "cash", actor=desk, now=NOW)
    services.cancel_appointment(appt, actor=desk, reason="ill", now=appt.start - timedelta(hours=3))
    client.force_login(clinic_a.users["front_desk"])
    with _now():
        page = client.get(reverse("appointment-detail", args=[appt.pk])).content.decode()
    assert 'data-deposit="forfeited"' in page and "Waive forfeit" not in page
    assert (
        client.post(reverse("appointment-waive-forfeit", args=[appt.pk]), {"reason": "x"}).status_code == 403
    )

    client.force_login(clinic_a.users["owner"])
    with _now():
        page = client.get(reverse("appointment-detail", args=[appt.pk])).content.decode()
        assert "Waive forfeit" in page
        client.post(reverse("appointment-waive-forfeit", args=[appt.pk]), {"reason": ""})
        assert deposits.deposit_state(appt) == DepositStatus.FORFEITED  # a reason is needed
        done = client.post(
            reverse("appointment-waive-forfeit", args=[appt.pk]), {"reason": "flu"}, follow=True
        )
    assert "Forfeit waived" in done.content.decode()
    assert deposits.deposit_state(appt) == DepositStatus.REFUNDED
    assert_ledger_consistent(clinic_a.client)


def test_owner_waives_a_late_fee(client: Any, clinic_a: ClinicWorld) -> None:
    _, appt = book(clinic_a, deposit=None)
    desk = clinic_a.memberships["front_desk"]
    services.cancel_appointment(appt, actor=desk, reason="ill", now=appt.start - timedelta(hours=3))
    assert ledger.balances(clinic_a.client).owed == 5000
    client.force_login(clinic_a.users["owner"])
    with _now():
        page = client.get(reverse("appointment-detail", args=[appt.pk])).content.decode()
        assert "Waive fee" in page
        client.post(reverse("appointment-waive-fee", args=[appt.pk]), {"reason": "first time"})
    assert ledger.balances(clinic_a.client).owed == 0
    assert LedgerEntry.objects.filter(kind="fee").count() == 2
    assert_ledger_consistent(clinic_a.client)


def test_day_sheet_rows_carry_the_deposit_badge(client: Any, clinic_a: ClinicWorld) -> None:
    _, appt = book(clinic_a)
    client.force_login(clinic_a.users["front_desk"])
    with _now(appt.start - timedelta(hours=2)):
        page = client.get(reverse("dashboard")).content.decode()
    row = page.split(f'data-appointment="{appt.pk}"', 1)[1].split("</li>", 1)[0]
    assert 'data-deposit="due"' in row and "Deposit required" in row


def test_owner_edits_a_types_deposit_policy(client: Any, clinic_a: ClinicWorld) -> None:
    bw, _ = book(clinic_a, deposit=None)
    client.force_login(clinic_a.users["front_desk"])
    assert client.get(reverse("deposit-settings")).status_code == 403
    client.force_login(clinic_a.users["owner"])
    listing = client.get(reverse("deposit-settings")).content.decode()
    assert bw.kind.name in listing and reverse("deposit-policy-edit", args=[bw.kind.pk]) in listing
    url = reverse("deposit-policy-edit", args=[bw.kind.pk])
    bad = client.post(url, {"kind": "percent", "percent": "", "pay_within_hours": "24"})
    assert bad.status_code == 400 and not DepositPolicy.objects.exists()
    ok = client.post(
        url,
        {
            "kind": "percent",
            "percent": "25",
            "card_required": "on",
            "pay_within_hours": "12",
            "notice_hours": "72",
            "late_fee": "30.00",
            "no_show_fee": "60",
        },
    )
    assert ok.status_code == 302
    p = DepositPolicy.objects.get(appointment_type=bw.kind)
    assert (p.kind, p.percent_bp, p.card_required, p.pay_within_hours) == ("percent", 2500, True, 12)
    assert (p.notice_hours, p.late_fee_minor, p.no_show_fee_minor) == (72, 3000, 6000)
    listing = client.get(reverse("deposit-settings")).content.decode()
    assert "25 %" in listing and "72 h" in listing and "£30.00" in listing and "£60.00" in listing
    form = client.get(url).content.decode()
    assert 'value="30.00"' in form and 'value="72"' in form
