"""Quotes for plans and price-list writes. All money is Decimal, rounded half-up to cents."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.db import transaction

from needlepoint.clinic.clinics.models import Clinic
from needlepoint.clinic.errors import Conflict
from needlepoint.protocol import sides

from .models import AreaPrice, Package, PriceList

if TYPE_CHECKING:
    from needlepoint.clinic.plans.models import TreatmentPlan

CENT = Decimal("0.01")


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class MissingPrice(Conflict, LookupError):
    """No price for some of the plan's areas: the quote cannot be made until the owner sets one."""

    code = "missing_price"

    def __init__(self, areas: list[str]) -> None:
        self.areas = areas
        super().__init__(f"No price is set for: {', '.join(areas)}. The owner sets prices under Prices.")


@dataclass(frozen=True)
class QuoteLine:
    area: str
    area_name: str
    per_session: Decimal
    sessions: int
    subtotal: Decimal


@dataclass(frozen=True)
class LaserComparison:
    label: str
    price: Decimal
    saving: Decimal
    #: Microneedling total as a percentage of the laser course.
    percent_of_laser: Decimal


@dataclass(frozen=True)
class Quote:
    plan_id: int
    currency: str
    lines: tuple[QuoteLine, ...]
    sessions: int
    per_session: Decimal
    subtotal: Decimal
    package: str | None
    package_sessions: int
    discount_percent: Decimal
    discount: Decimal
    #: The staff's agreed price minus the price list's total (0 when the list's total stands).
    agreed_adjustment: Decimal
    total: Decimal
    laser: LaserComparison | None
    valid_until: date | None
    notes: str


def price_list_for(clinic: Clinic) -> PriceList:
    price_list, _ = PriceList.objects.get_or_create(clinic=clinic)
    return price_list


def best_package(price_list: PriceList, sessions: int) -> Package | None:
    """The package with the most sessions that the course fills (3-pack for a 4-session course)."""
    return (
        Package.objects.for_clinic(price_list.clinic_id)
        .filter(price_list=price_list, is_active=True, sessions__lte=sessions)
        .order_by("-sessions", "-discount_percent")
        .first()
    )


def area_price(prices: Mapping[str, Decimal], code: str) -> Decimal | None:
    """The per-session price of an area, or of one side of a paired area: its own price when
    the clinic set one, else half the whole area's."""
    if code in prices:
        return prices[code]
    base, side = sides.split(code)
    return money(prices[base] / 2) if side and base in prices else None


def quote_for_plan(plan: TreatmentPlan, *, today: date | None = None) -> Quote:
    """The one price of a plan: every page, PDF and the plan's stored ``price`` show this total.

    From the price list for the plan's areas and sessions (less the best package), or the price
    staff agreed (``plan.price_agreed``), shown as an adjustment line."""
    price_list = PriceList.objects.for_clinic(plan.clinic_id).first()
    areas = list(plan.areas.order_by("position"))
    sessions = plan.sessions or 0
    prices: dict[str, Decimal] = {}
    if price_list is not None:
        prices = {
            p.area: p.per_session
            for p in AreaPrice.objects.for_clinic(plan.clinic_id).filter(price_list=price_list)
        }
    each = {a.area: area_price(prices, a.area) for a in areas}
    missing = [a.area_name for a in areas if each[a.area] is None]
    if missing or price_list is None:
        raise MissingPrice(missing or [a.area_name for a in areas])
    lines = tuple(
        QuoteLine(a.area, a.area_name, money(price), sessions, money(price * sessions))
        for a in areas
        if (price := each[a.area]) is not None
    )
    per_session = money(sum((line.per_session for line in lines), Decimal(0)))
    subtotal = money(per_session * sessions)
    package = best_package(price_list, sessions) if sessions else None
    discount = Decimal(0)
    if package is not None:
        # The discount applies to the sessions the package covers; any beyond are full price.
        discount = money(per_session * package.sessions * package.discount_percent / 100)
    total = subtotal - discount
    adjustment = Decimal(0)
    if plan.price_agreed and plan.price is not None:
        adjustment = money(plan.price) - total
        total = money(plan.price)
    laser = None
    if price_list.laser_course_price is not None and price_list.laser_course_price > 0:
        lp = money(price_list.laser_course_price)
        laser = LaserComparison(
            label=price_list.laser_course_label or "Laser course",
            price=lp,
            saving=lp - total,
            percent_of_laser=money(total * 100 / lp),
        )
    return Quote(
        plan_id=plan.pk,
        currency=plan.clinic.currency,
        lines=lines,
        sessions=sessions,
        per_session=per_session,
        subtotal=subtotal,
        package=package.name if package else None,
        package_sessions=package.sessions if package else 0,
        discount_percent=package.discount_percent if package else Decimal(0),
        discount=discount,
        agreed_adjustment=adjustment,
        total=total,
        laser=laser,
        valid_until=(today + timedelta(days=price_list.quote_valid_days)) if today else None,
        notes=price_list.notes,
    )


@dataclass(frozen=True)
class PlanPrice:
    amount: Decimal
    currency: str
    #: None when the price list lacks some area's price (an agreed price still stands).
    quote: Quote | None


def price_of_plan(plan: TreatmentPlan) -> PlanPrice | None:
    """What a plan costs, for every page that shows it: the quote's total, so a plan page and
    its quote cannot disagree; an agreed price when the list cannot quote; else None."""
    try:
        quote = quote_for_plan(plan)
    except MissingPrice:
        if plan.price_agreed and plan.price is not None:
            return PlanPrice(money(plan.price), plan.currency or plan.clinic.currency, None)
        return None
    return PlanPrice(quote.total, quote.currency, quote)


@transaction.atomic
def save_area_prices(price_list: PriceList, prices: dict[str, Decimal | None]) -> None:
    """Set (or with None, remove) the per-session price of each area code."""
    for area, value in prices.items():
        qs = AreaPrice.objects.for_clinic(price_list.clinic_id).filter(price_list=price_list, area=area)
        if value is None:
            qs.delete()
        else:
            AreaPrice.objects.update_or_create(
                clinic_id=price_list.clinic_id,
                price_list=price_list,
                area=area,
                defaults={"per_session": money(value)},
            )


@transaction.atomic
def save_price_list(
    price_list: PriceList, prices: dict[str, Decimal | None], packages: list[dict[str, object]]
) -> PriceList:
    """Save the list, its per-area prices and its packages (the packages given replace the old)."""
    price_list.full_clean()
    price_list.save()
    save_area_prices(price_list, prices)
    Package.objects.for_clinic(price_list.clinic_id).filter(price_list=price_list).delete()
    for p in packages:
        Package.objects.create(clinic_id=price_list.clinic_id, price_list=price_list, **p)
    return price_list
