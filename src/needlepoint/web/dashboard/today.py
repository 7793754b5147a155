"""The start page's data: the location's day sheet (treatments.dayplan) plus what other apps
hold open (red flags, adverse events, failed messages, waitlist offers), each item with the page
where it is resolved. Front desk sees that clinical items exist and who deals with them, never
their text (clinic/sensitivity.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.urls import reverse

from needlepoint.clinic.accounts.models import Membership
from needlepoint.clinic.booking.checklist import Checklist, setup_checklist
from needlepoint.clinic.booking.selectors import pending_offers
from needlepoint.clinic.clinics.models import Clinic, Location
from needlepoint.clinic.messaging import selectors as messaging
from needlepoint.clinic.messaging.models import ReactionReport
from needlepoint.clinic.messaging.reactions import SYMPTOMS
from needlepoint.clinic.outcomes.models import EventStatus
from needlepoint.clinic.outcomes.selectors import EventFilters, adverse_events
from needlepoint.clinic.payments.models import Invoice
from needlepoint.clinic.permissions import Action, may
from needlepoint.clinic.sensitivity import reads_clinical, visible_messages
from needlepoint.clinic.treatments.dayplan import DaySheet, day_sheet
from needlepoint.inputs import parse_id

#: Failed messages older than this are history, not today's work.
FAILED_MESSAGES_WINDOW = timedelta(days=7)

#: Where each first-run step is set up.
CHECKLIST_LINKS = {
    "location": "locations-create",
    "rooms": "rooms-create",
    "devices": "devices-create",
    "staff": "staff-create",
    "appointment_types": "appointment-types-create",
    "prices": "price-list",
    "rota": "rota",
}


@dataclass(frozen=True)
class Item:
    """One outstanding thing: what, for whom, and where it is resolved ("" = not for this viewer)."""

    text: str
    url: str = ""
    link_text: str = ""
    urgent: bool = False


@dataclass(frozen=True)
class RedFlag:
    report: ReactionReport
    #: Symptom labels for clinicians; empty for front desk.
    flags: list[str]


@dataclass(frozen=True)
class Today:
    sheet: DaySheet
    red_flags: list[RedFlag]
    red_flag_count: int
    outstanding: list[Item]
    clinical: bool
    may_acknowledge: bool


def default_location(clinic: Clinic, member: Membership, chosen: str | None) -> Location | None:
    """The location asked for, else the member's first, else the clinic's first (active ones)."""
    locations = Location.objects.for_clinic(clinic).filter(is_active=True).order_by("name")
    pk = parse_id(chosen)
    if pk is not None:
        picked = locations.filter(pk=pk).first()
        if picked is not None:
            return picked
    return member.locations.filter(is_active=True).order_by("name").first() or locations.first()


def today(clinic: Clinic, member: Membership, location: Location, day: date, now: datetime) -> Today:
    sheet = day_sheet(location, day, viewer=member, now=now)
    clinical = reads_clinical(member)
    reports = list(messaging.red_flags_awaiting(clinic))
    red_flags = [RedFlag(r, [SYMPTOMS.get(f, f) for f in r.red_flags] if clinical else []) for r in reports]
    return Today(
        sheet=sheet,
        red_flags=red_flags if clinical else [],
        red_flag_count=len(reports),
        outstanding=_outstanding(clinic, member, sheet, location, now, clinical),
        clinical=clinical,
        may_acknowledge=may(member, Action.ACKNOWLEDGE_RED_FLAG),
    )


def _outstanding(
    clinic: Clinic, member: Membership, sheet: DaySheet, location: Location, now: datetime, clinical: bool
) -> list[Item]:
    items: list[Item] = []
    for a in sheet.consents_missing:
        client = a.appointment.client
        where = (
            reverse("plan-detail", args=[a.plan.pk]) if a.plan else reverse("client-detail", args=[client.pk])
        )
        items.append(
            Item(
                f"{client.full_name} ({a.start:%H:%M}): consent to sign before the session"
                f" — {a.consent_missing}.",
                where,
                "Open the plan" if a.plan else "Open the client",
                urgent=True,
            )
        )
    for f in sheet.findings:
        noun = "finding" if f.count == 1 else "findings"
        items.append(
            Item(
                f"{f.plan.client.full_name}: {f.count} screening {noun} to acknowledge"
                + ("." if clinical else " — for a practitioner."),
                reverse("plan-detail", args=[f.plan.pk]),
                "Review the plan" if clinical else "Open the plan",
            )
        )
    for chart in sheet.unsigned_charts:
        start = chart.appointment.start.astimezone(sheet.location_zone)
        items.append(
            Item(
                f"Chart of {chart.client.full_name} ({start:%d %b %H:%M}, "
                f"{chart.appointment.practitioner.name}) is not signed.",
                reverse("treatment-day", args=[chart.appointment_id]) if clinical else "",
                "Open the chart",
            )
        )
    open_events = adverse_events(clinic, EventFilters(status=EventStatus.OPEN)).count()
    if open_events:
        noun = "adverse event is" if open_events == 1 else "adverse events are"
        items.append(
            Item(
                f"{open_events} {noun} open" + ("." if clinical else " — a practitioner follows them up."),
                reverse("adverse-events") + "?status=open" if clinical else "",
                "See adverse events",
            )
        )
    failed = visible_messages(member, messaging.failed_since(clinic, now - FAILED_MESSAGES_WINDOW)).count()
    if failed:
        noun = "message" if failed == 1 else "messages"
        items.append(
            Item(
                f"{failed} {noun} could not be delivered in the last week.",
                reverse("messaging-log") + "?status=failed",
                "See failed messages",
            )
        )
    offers = list(pending_offers(location, now))
    for entry in offers:
        expires = entry.offer_expires_at.astimezone(sheet.location_zone) if entry.offer_expires_at else None
        items.append(
            Item(
                f"Waitlist offer to {entry.client.full_name} awaits an answer"
                + (f" (until {expires:%d %b %H:%M})." if expires else "."),
                reverse("waitlist"),
                "Open the waitlist",
            )
        )
    return items


#: Day-sheet states where the till is next (treatment under way or done, not yet invoiced).
CHECKOUT_STATES = ("in_treatment", "checking_out", "done")


def checkout_links(sheet: DaySheet, member: Membership) -> dict[str, object]:
    """For the arrival rows' "Check out" link: who may take payment, which visits are invoiced."""
    if not may(member, Action.TAKE_PAYMENT):
        return {"may_take_payment": False, "invoiced": set(), "checkout_states": CHECKOUT_STATES}
    ids = [a.appointment.pk for a in sheet.arrivals]
    invoiced = set(Invoice.objects.filter(appointment_id__in=ids).values_list("appointment_id", flat=True))
    return {"may_take_payment": True, "invoiced": invoiced, "checkout_states": CHECKOUT_STATES}


def checklist_for(clinic: Clinic, member: Membership) -> tuple[Checklist, dict[str, str]] | None:
    """The first-run checklist for an owner while anything is left to set up, else None."""
    if not member.is_owner:
        return None
    checklist = setup_checklist(clinic)
    if checklist.done:
        return None
    return checklist, {key: reverse(name) for key, name in CHECKLIST_LINKS.items()}
