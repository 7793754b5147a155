"""An idempotent, realistic demo: running it twice leaves the same rows (matched by natural keys)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

from needlepoint import clock
from needlepoint.clinic.accounts.models import Membership, Role, User
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import Clinic, Device, DeviceKind, Location

DEMO_PASSWORD = "needlepoint-demo"  # noqa: S105 — printed for the local demo only
DOMAIN = "demo.needlepoint.test"

WEEKDAYS_9_TO_6 = {d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
# The demo clinic opens every day, so whenever someone tries the demo "today" is a working day.
WEEKEND_10_TO_4 = {d: [["10:00", "16:00"]] for d in ("sat", "sun")}

LOCATIONS = [
    dict(
        name="London — Marylebone",
        timezone="Europe/London",
        address_line1="12 Wimpole Street",
        city="London",
        postcode="W1G 9SX",
        country="GB",
        phone="+44 20 7946 0123",
        opening_hours={**WEEKDAYS_9_TO_6, **WEEKEND_10_TO_4},
        rooms=["Room 1", "Room 2", "Room 3"],
    ),
    dict(
        name="New York — SoHo",
        timezone="America/New_York",
        address_line1="88 Greene Street",
        city="New York",
        postcode="10012",
        country="US",
        phone="+1 212 555 0188",
        opening_hours={**WEEKDAYS_9_TO_6, **WEEKEND_10_TO_4, "thu": [["09:00", "20:00"]]},
        rooms=["Suite A", "Suite B"],
    ),
]

DEVICES = [  # (name, make, model, kind, max depth, location index)
    ("Pen 1", "Crown Aesthetics", "SkinPen Precision", DeviceKind.PEN, "2.50", 0),
    ("Pen 2", "Dermapen", "Dermapen 4", DeviceKind.PEN, "3.00", 0),
    ("Roller 1.0", "Dermaroller", "MF8 1.0 mm", DeviceKind.ROLLER, "1.00", 0),
    ("Pen 3", "Crown Aesthetics", "SkinPen Precision", DeviceKind.PEN, "2.50", 1),
    ("Pen 4", "Dr. Pen", "Ultima A10", DeviceKind.PEN, "2.50", 1),
]

STAFF = [  # (local part, first, last, role, location indexes)
    ("owner", "Olivia", "Hart", Role.OWNER, [0, 1]),
    ("frontdesk", "Sam", "Reyes", Role.FRONT_DESK, [0, 1]),
    ("amara.okafor", "Amara", "Okafor", Role.PRACTITIONER, [0]),
    ("james.whitfield", "James", "Whitfield", Role.PRACTITIONER, [0]),
    ("sofia.marin", "Sofia", "Marin", Role.PRACTITIONER, [1]),
    ("daniel.cho", "Daniel", "Cho", Role.PRACTITIONER, [0, 1]),
]

FIRST = [
    "Aisha",
    "Ben",
    "Chloe",
    "Dev",
    "Elena",
    "Finn",
    "Grace",
    "Hiro",
    "Isla",
    "Jonah",
    "Kemi",
    "Liam",
    "Maya",
    "Noor",
    "Oscar",
    "Priya",
    "Quinn",
    "Rosa",
    "Tariq",
    "Uma",
    "Victor",
    "Wen",
    "Ximena",
    "Yusuf",
    "Zara",
]
LAST = [
    "Adeyemi",
    "Brooks",
    "Castillo",
    "Dubois",
    "Evans",
    "Fischer",
    "Gupta",
    "Haddad",
    "Ito",
    "Johansson",
    "Kowalski",
    "Lopez",
    "Mensah",
    "Nakamura",
    "O'Brien",
    "Patel",
    "Quinn",
    "Rossi",
    "Singh",
    "Taylor",
    "Usman",
    "Varga",
    "Walsh",
    "Xu",
    "Young",
]


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: str
    clinics: str


@transaction.atomic
def load_demo(client_count: int = 50) -> list[DemoLogin]:
    clinic, _ = Clinic.objects.update_or_create(
        slug="needlepoint-demo",
        defaults={"name": "Needlepoint Demo Clinic", "currency": "GBP", "locale": "en-GB"},
    )
    locations = []
    for spec in LOCATIONS:
        fields = dict(spec)
        rooms = fields.pop("rooms")
        loc, _ = Location.objects.update_or_create(clinic=clinic, name=fields.pop("name"), defaults=fields)
        for room in rooms:
            loc.rooms.get_or_create(clinic=clinic, name=room)
        locations.append(loc)
    for name, make, model, kind, depth, loc_index in DEVICES:
        Device.objects.update_or_create(
            clinic=clinic,
            name=name,
            defaults={
                "location": locations[loc_index],
                "make": make,
                "model": model,
                "kind": kind,
                "max_depth_mm": Decimal(depth),
            },
        )

    logins = []
    for local, first, last, role, loc_indexes in STAFF:
        user = _user(f"{local}@{DOMAIN}", first, last)
        membership, _ = Membership.objects.update_or_create(
            clinic=clinic, user=user, defaults={"role": role, "display_name": f"{first} {last}"}
        )
        membership.locations.set([locations[i] for i in loc_indexes])
        logins.append(DemoLogin(user.email, role.label, clinic.name))

    # A second, small clinic where the owner also works: shows the clinic switcher.
    satellite, _ = Clinic.objects.update_or_create(
        slug="harbour-skin", defaults={"name": "Harbour Skin Studio", "currency": "AUD", "locale": "en-AU"}
    )
    Location.objects.update_or_create(
        clinic=satellite,
        name="Sydney — Surry Hills",
        defaults={
            "timezone": "Australia/Sydney",
            "city": "Sydney",
            "country": "AU",
            "opening_hours": {d: [["08:30", "17:00"]] for d in ("tue", "wed", "thu", "fri", "sat")},
        },
    )
    owner = User.objects.get(email=f"owner@{DOMAIN}")
    Membership.objects.update_or_create(clinic=satellite, user=owner, defaults={"role": Role.OWNER})
    logins[0] = DemoLogin(owner.email, "Owner", f"{clinic.name}, {satellite.name}")

    _clients(clinic, locations, client_count)
    from .demo_booking import load_demo_booking
    from .demo_journey import load_demo_journey
    from .demo_outcomes import load_demo_outcomes
    from .demo_payments import load_demo_payments
    from .demo_today import load_demo_today
    from .demo_treatments import load_demo_treatments

    load_demo_journey(clinic)
    load_demo_booking(clinic)
    load_demo_outcomes(clinic)
    load_demo_treatments(clinic)
    load_demo_today(clinic)
    load_demo_payments(clinic)
    return logins


def _user(email: str, first: str, last: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, DEMO_PASSWORD, first_name=first, last_name=last)
    return user


def _clients(clinic: Clinic, locations: list[Location], count: int) -> None:
    rng = random.Random(20171201)  # fixed seed: the same 50 people every run
    today = clock.now().date()
    for i in range(count):
        first, last = FIRST[i % len(FIRST)], LAST[(i * 7) % len(LAST)]
        email = f"{first}.{last}.{i}@example.com".lower().replace("'", "")
        born = date(today.year - rng.randint(19, 68), 1, 1) + timedelta(days=rng.randint(0, 364))
        consent = rng.random() < 0.8
        Client.objects.update_or_create(
            clinic=clinic,
            email=email,
            defaults={
                "first_name": first,
                "last_name": last,
                "date_of_birth": born,
                # Stored in E.164 (clients/phones.py); 07700 900xxx is Ofcom's fictional range.
                "phone": f"+4477009{i:05d}" if i % 2 == 0 else f"+1212555{1000 + i:04d}",
                "fitzpatrick": rng.randint(1, 6),
                "preferred_location": locations[i % len(locations)],
                "consent_email": consent,
                "consent_sms": consent and rng.random() < 0.6,
                "consent_updated_at": clock.now() if consent else None,
            },
        )
