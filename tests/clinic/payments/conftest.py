"""A clinic with one booked visit, prices, a product on the shelf and a fixed 'now'."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from tests.clinic.booking.conftest import NOW, BookingWorld, make_booking_world, spec
from tests.conftest import ClinicWorld

AFTER_VISIT = datetime(2027, 1, 5, 17, 0, tzinfo=UTC)


@dataclass
class PayWorld:
    bw: BookingWorld
    visit: object  # Appointment
    later_visits: list
    product: object  # Product
    desk: object  # Membership (front desk)
    owner: object
    practitioner: object

    @property
    def world(self) -> ClinicWorld:
        return self.bw.world

    @property
    def client(self) -> object:
        return self.bw.world.client


def make_pay_world(world: ClinicWorld) -> PayWorld:
    from needlepoint.clinic.booking import services
    from needlepoint.clinic.payments.models import Product, ProductStock
    from needlepoint.clinic.permissions import SystemActor

    bw = make_booking_world(world)
    s = spec(bw)
    result, _ = services.search_series(world.clinic, s, now=NOW)
    series = services.book_series(
        world.clinic, s, list(result.options[0].sessions), actor=SystemActor(world.clinic.pk, "test")
    )
    visits = list(series.appointments.order_by("series_index"))
    product = Product.objects.create(clinic=world.clinic, name="Recovery serum", price_minor=3500)
    ProductStock.objects.create(clinic=world.clinic, product=product, location=world.location, quantity=5)
    m = world.memberships
    return PayWorld(bw, visits[0], visits[1:], product, m["front_desk"], m["owner"], m["practitioner"])


@pytest.fixture
def pw(clinic_a: ClinicWorld) -> PayWorld:
    return make_pay_world(clinic_a)
