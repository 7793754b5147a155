"""Shared fixtures: two clinics with the same shape, so every test can try to cross between them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, settings

# localstripe for the Stripe tests: one server for the whole session, whichever folder asks.
from tests.stripe_server import stripe_api, stripe_server  # noqa: F401

# Timing belongs to bench/, not to tests: a loaded CI machine must not fail a correct property
# on hypothesis' 200 ms per-example deadline (it did, on PostgreSQL with the load at 15).
settings.register_profile("needlepoint", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("needlepoint")

PASSWORD = "correct horse battery staple"


@dataclass
class ClinicWorld:
    clinic: object
    location: object
    room: object
    device: object
    client: object
    users: dict[str, object] = field(default_factory=dict)  # role -> User
    memberships: dict[str, object] = field(default_factory=dict)


def make_clinic_world(tag: str, tz: str = "Europe/London") -> ClinicWorld:
    from needlepoint.clinic.accounts.models import Membership, Role, User
    from needlepoint.clinic.clients.models import Client
    from needlepoint.clinic.clinics.models import Clinic, Device, Location, Room

    clinic = Clinic.objects.create(name=f"Clinic {tag}", slug=f"clinic-{tag.lower()}")
    location = Location.objects.create(
        clinic=clinic, name=f"{tag} High Street", timezone=tz, opening_hours={"mon": [["09:00", "17:00"]]}
    )
    room = Room.objects.create(clinic=clinic, location=location, name=f"Room {tag}")
    device = Device.objects.create(
        clinic=clinic,
        location=location,
        name=f"Pen {tag}",
        make="Acme",
        model="P1",
        max_depth_mm=Decimal("2.50"),
    )
    client = Client.objects.create(
        clinic=clinic,
        first_name=f"Zelda{tag}",
        last_name=f"Client{tag}",
        date_of_birth=date(1990, 5, 17),
        email=f"zelda{tag.lower()}@example.com",
    )
    world = ClinicWorld(clinic, location, room, device, client)
    for role in Role:
        user = User.objects.create_user(f"{role.value}.{tag.lower()}@example.com", PASSWORD)
        world.users[role.value] = user
        world.memberships[role.value] = Membership.objects.create(clinic=clinic, user=user, role=role)
    return world


@pytest.fixture
def clinic_a(db: None) -> ClinicWorld:
    return make_clinic_world("A")


@pytest.fixture
def clinic_b(db: None) -> ClinicWorld:
    return make_clinic_world("B", tz="America/New_York")
