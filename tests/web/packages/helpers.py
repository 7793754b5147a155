"""A clinic's package (sold in instalments, so an instalment is due), a membership plan and a
member whose first month is due: one of each object the package pages take ids of."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.urls import reverse

from needlepoint.clinic.payments import memberships, packages
from needlepoint.clinic.payments.models import ClientPackage
from needlepoint.clinic.payments.models_recurring import (
    ClientMembership,
    Instalment,
    MembershipCharge,
    MembershipPlan,
)
from tests.clinic.payments.package_fake import price_list
from tests.conftest import ClinicWorld

NOW = datetime(2027, 1, 5, 12, tzinfo=UTC)


@dataclass
class Things:
    client: Any
    package: ClientPackage
    instalment: Instalment
    plan: MembershipPlan
    membership: ClientMembership
    charge: MembershipCharge


def things(world: ClinicWorld) -> Things:
    desk: Any = world.memberships["front_desk"]
    course = price_list(world.clinic)
    sale = packages.sell_package(world.client, course, areas=("face",), actor=desk, now=NOW, instalments=3)  # type: ignore[arg-type]
    plan = MembershipPlan.objects.create(
        clinic=world.clinic, name="Glow", monthly_fee_minor=9900, included_credits=1, min_term_months=3
    )
    m = memberships.join(world.client, plan, actor=desk, now=NOW)  # type: ignore[arg-type]
    return Things(world.client, sale.client_package, sale.instalments[0], plan, m, m.charges.get())


#: Route name -> the attribute of Things its id is.
ROUTES = {
    "client-packages": "client",
    "package-sell": "client",
    "membership-join": "client",
    "package-refund": "package",
    "instalment-pay": "instalment",
    "membership-pause": "membership",
    "membership-cancel": "membership",
    "membership-charge-pay": "charge",
    "membership-plan-edit": "plan",
}


def url(route: str, t: Things) -> str:
    from tests.web.test_isolation import _named_routes

    pattern = dict(_named_routes())[route]
    kwarg = pattern.split("<int:", 1)[1].split(">", 1)[0]
    return reverse(route, kwargs={kwarg: getattr(t, ROUTES[route]).pk})


def login(http: Any, world: ClinicWorld, role: str) -> None:
    http.force_login(world.users[role])
