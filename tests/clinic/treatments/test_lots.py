"""Lots: receiving, stock, and the recall trace that lists every client treated with a lot."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.errors import NotAllowed, NotFound
from needlepoint.clinic.treatments import selectors, services
from needlepoint.clinic.treatments.errors import LotRefused, WrongState
from tests.clinic.treatments.helpers import START, entry_input, lot, treatment_day
from tests.conftest import ClinicWorld


def test_receiving_the_same_lot_again_adds_stock_unless_the_expiry_differs(clinic_a: ClinicWorld) -> None:
    first = lot(clinic_a, number="C-9", quantity=5)
    again = lot(clinic_a, number="C-9", quantity=3)
    assert again.pk == first.pk and again.quantity_received == 8 and again.remaining == 8
    with pytest.raises(LotRefused, match="already in stock with expiry"):
        lot(clinic_a, number="C-9", expiry=date(2029, 1, 1))
    with pytest.raises(NotAllowed):
        services.receive_lot(
            clinic_a.clinic,  # type: ignore[arg-type]
            clinic_a.memberships["front_desk"],  # type: ignore[arg-type]
            location=clinic_a.location,  # type: ignore[arg-type]
            kind="cartridge",
            product_name="X",
            lot_number="Y",
            expiry=date(2028, 1, 1),
            quantity=1,
        )


def test_usable_lots_leave_out_expired_recalled_and_empty(clinic_a: ClinicWorld) -> None:
    good = lot(clinic_a, number="G", expiry=date(2027, 6, 1))
    soon = lot(clinic_a, number="S", expiry=date(2027, 1, 5))
    lot(clinic_a, number="EXP", expiry=date(2027, 1, 4), now=START - timedelta(days=3))
    recalled = lot(clinic_a, number="R")
    services.recall_lot(clinic_a.clinic, clinic_a.memberships["owner"], recalled, reason="notice")  # type: ignore[arg-type]
    empty = lot(clinic_a, number="E", quantity=1)
    services.use_lot(clinic_a.clinic, clinic_a.memberships["practitioner"], empty)  # type: ignore[arg-type]
    usable = selectors.usable_lots(clinic_a.clinic, clinic_a.location, "cartridge", now=START)  # type: ignore[arg-type]
    assert [x.lot_number for x in usable] == [soon.lot_number, good.lot_number]  # soonest expiry first


def test_recall_lists_every_client_treated_with_the_lot_and_only_them(clinic_a: ClinicWorld) -> None:
    day = treatment_day(clinic_a)
    c, p = day.clinic, day.practitioner
    chart = services.start_chart(c, p, day.appointment)
    services.add_chart_entry(c, p, chart, entry_input(day), now=START)
    services.add_chart_entry(c, p, chart, entry_input(day, "forehead"), now=START)
    # A second client treated with the same cartridge lot, a third with another lot.
    other = Client.objects.create(
        clinic=c, first_name="Otto", last_name="Second", date_of_birth=date(1985, 1, 1)
    )
    clinic_a.client = other
    second = treatment_day(clinic_a, start=START + timedelta(days=1))
    chart2 = services.start_chart(c, p, second.appointment)
    services.add_chart_entry(c, p, chart2, entry_input(day, product_lot=None), now=START)
    third = Client.objects.create(
        clinic=c, first_name="Thea", last_name="Third", date_of_birth=date(1980, 1, 1)
    )
    clinic_a.client = third
    third_day = treatment_day(clinic_a, start=START + timedelta(days=2))
    other_lot = lot(clinic_a, number="C-OTHER")
    chart3 = services.start_chart(c, p, third_day.appointment)
    services.add_chart_entry(c, p, chart3, entry_input(third_day, cartridge_lot=other_lot), now=START)

    with pytest.raises(NotAllowed):
        services.recall_lot(c, p, day.cartridge, reason="supplier notice")
    result = services.recall_lot(c, day.owner, day.cartridge, reason="Supplier notice: sterility breach")
    assert result.lot.is_recalled
    assert [(row.client.first_name, row.entry.area) for row in result.trace] == [
        ("ZeldaA", "cheeks"),
        ("ZeldaA", "forehead"),
        ("Otto", "cheeks"),
    ]
    assert {row.used_as for row in result.trace} == {"cartridge"}
    with pytest.raises(WrongState, match="already recalled"):
        services.recall_lot(c, day.owner, day.cartridge, reason="again")
    # The serum lot (the same lot number received again) was used for Zelda and Thea.
    assert third_day.product.pk == day.product.pk
    product_trace = selectors.recall_trace(c, day.product)
    assert [(r.client.first_name, r.used_as) for r in product_trace] == [
        ("ZeldaA", "product"),
        ("ZeldaA", "product"),
        ("Thea", "product"),
    ]


def test_recall_trace_is_per_clinic(clinic_a: ClinicWorld, clinic_b: ClinicWorld) -> None:
    day = treatment_day(clinic_a)
    chart = services.start_chart(day.clinic, day.practitioner, day.appointment)
    services.add_chart_entry(day.clinic, day.practitioner, chart, entry_input(day), now=START)
    assert selectors.recall_trace(clinic_b.clinic, day.cartridge) == []  # type: ignore[arg-type]
    with pytest.raises(NotFound, match="Not found"):
        services.recall_lot(clinic_b.clinic, clinic_b.memberships["owner"], day.cartridge, reason="x")  # type: ignore[arg-type]


def test_another_clinics_lot_is_not_found(clinic_a: ClinicWorld, clinic_b: ClinicWorld) -> None:
    theirs = lot(clinic_b, number="B-1")
    with pytest.raises(NotFound) as exc:
        services.use_lot(clinic_a.clinic, clinic_a.memberships["owner"], theirs)  # type: ignore[arg-type]
    assert exc.value.status_code == 404
