"""Prices per area and session, packages, the laser comparison: Decimal money, exact to the cent."""

from __future__ import annotations

import subprocess
from decimal import Decimal

import pytest
from django.urls import reverse

from needlepoint.clinic.accounts.models import Role
from needlepoint.clinic.pricing.models import AreaPrice, Package
from needlepoint.clinic.pricing.services import MissingPrice, price_list_for, quote_for_plan, save_price_list
from tests.clinic.journey_helpers import confirmed_plan
from tests.conftest import ClinicWorld


def _prices(world: ClinicWorld, *, laser: str | None = "2000.00") -> None:
    pl = price_list_for(world.clinic)
    pl.laser_course_price = Decimal(laser) if laser else None
    pl.laser_course_label = "Fractional laser, 3 sessions"
    save_price_list(
        pl,
        {"cheeks": Decimal("120.00"), "forehead": Decimal("85.50")},
        [
            {"name": "Course of 3", "sessions": 3, "discount_percent": Decimal("10")},
            {"name": "Course of 6", "sessions": 6, "discount_percent": Decimal("15")},
        ],
    )


def test_quote_math_is_decimal(clinic_a: ClinicWorld) -> None:
    _prices(clinic_a)
    plan = confirmed_plan(clinic_a)  # cheeks + forehead, 4 sessions
    q = quote_for_plan(plan)
    assert q.currency == "GBP" and q.sessions == 4
    assert q.per_session == Decimal("205.50") and q.subtotal == Decimal("822.00")
    assert q.package == "Course of 3"  # the largest package the 4-session course fills
    assert q.discount == Decimal("61.65")  # 10 % of 3 × 205.50 = 61.65
    assert q.total == Decimal("760.35")
    assert all(isinstance(v, Decimal) for v in (q.per_session, q.subtotal, q.discount, q.total))
    assert q.laser is not None and q.laser.saving == Decimal("1239.65")
    assert q.laser.percent_of_laser == Decimal("38.02")
    plan.refresh_from_db()


def test_plan_price_defaults_to_the_quote(clinic_a: ClinicWorld) -> None:
    _prices(clinic_a)
    plan = confirmed_plan(clinic_a)
    assert plan.price == Decimal("760.35")


def test_missing_price_is_named(clinic_a: ClinicWorld) -> None:
    plan = confirmed_plan(clinic_a)
    with pytest.raises(MissingPrice):
        quote_for_plan(plan)
    pl = price_list_for(clinic_a.clinic)
    save_price_list(pl, {"cheeks": Decimal("100")}, [])
    with pytest.raises(MissingPrice) as err:
        quote_for_plan(plan)
    assert err.value.areas == ["Forehead"]


def test_quote_pdf_reads_back(client, clinic_a: ClinicWorld) -> None:
    _prices(clinic_a)
    plan = confirmed_plan(clinic_a)
    client.force_login(clinic_a.users[Role.FRONT_DESK])
    response = client.get(reverse("quote-pdf", kwargs={"plan_pk": plan.pk}))
    assert response.status_code == 200
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=response.content, capture_output=True, check=True
    ).stdout.decode()
    assert "760.35" in text and "Course of 3" in text and "Fractional laser" in text


def test_price_list_form_bad_input_is_400_and_keeps_values(client, clinic_a: ClinicWorld) -> None:
    client.force_login(clinic_a.users[Role.OWNER])
    response = client.post(
        reverse("price-list"),
        {
            "price_cheeks": "-5",
            "price_forehead": "85.50",
            "quote_valid_days": "30",
            "package_0_name": "Course of 3",
            "package_0_sessions": "3",
            "package_0_discount": "150",
            "package_1_name": "Half-filled",
        },
    )
    body = response.content.decode()
    assert response.status_code == 400 and "nothing was saved" in body
    assert "greater than or equal to 0" in body and "less than or equal to 100" in body
    assert "Give the package a name, a number of sessions and a discount." in body
    assert 'value="85.50"' in body and 'value="Half-filled"' in body
    assert not AreaPrice.objects.exists() and not Package.objects.exists()
    response = client.post(
        reverse("price-list"),
        {
            "price_cheeks": "120",
            "price_forehead": "85.50",
            "quote_valid_days": "30",
            "package_0_name": "Course of 3",
            "package_0_sessions": "3",
            "package_0_discount": "10",
        },
    )
    assert response.status_code == 302
    assert AreaPrice.objects.get(area="forehead").per_session == Decimal("85.50")
    client.force_login(clinic_a.users[Role.PRACTITIONER])
    assert client.get(reverse("price-list")).status_code == 403
