"""Merging moves EVERY row that points at the duplicate, found generically: the duplicate here
has a row in every model with a foreign key to Client (the census fails when a new model has
none, so whoever adds one adds it here and sees it moved)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from needlepoint.clinic.audit.services import AccessContext, record_access
from needlepoint.clinic.booking.models import WaitlistEntry
from needlepoint.clinic.client_records.merge import NOT_MOVED, client_references, merge_clients
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.errors import Conflict, InvalidInput, NotAllowed, NotFound
from needlepoint.clinic.intake.models import Intake
from needlepoint.clinic.messaging.models import Conversation, InboundMessage, OutboxMessage
from needlepoint.clinic.messaging.reactions import ReportInput, submit_report
from needlepoint.clinic.outcomes import services as outcomes
from needlepoint.clinic.payments import memberships
from needlepoint.clinic.payments.checkout import CheckoutSpec, check_out
from needlepoint.clinic.payments.invoices import LineSpec
from needlepoint.clinic.payments.models import ClientPackage, DepositRequest, DepositStatus
from needlepoint.clinic.payments.models_recurring import MembershipPlan
from needlepoint.clinic.payments.packages import sell_package
from needlepoint.clinic.payments.stripe_models import SavedCard, StripeCustomer
from needlepoint.clinic.payments.tenders import TenderSpec, new_tender
from needlepoint.clinic.permissions import ClientActor, SystemActor
from needlepoint.clinic.reviews import services as reviews
from needlepoint.clinic.treatments import services as treatments
from needlepoint.portal.models import MagicLink
from tests.clinic.journey_helpers import submit
from tests.clinic.outcomes.helpers import appointment_type, finished_series
from tests.clinic.payments.package_fake import price_list
from tests.clinic.treatments.helpers import START, entry_input, image_bytes, treatment_day, upload
from tests.conftest import ClinicWorld

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def _conversation(client: Client, at: datetime, text: str) -> None:
    conv, _ = Conversation.objects.get_or_create(clinic_id=client.clinic_id, client=client)
    Conversation.objects.filter(pk=conv.pk).update(last_inbound_at=at)
    InboundMessage.objects.create(
        clinic_id=client.clinic_id,
        client=client,
        conversation=conv,
        channel="sms",
        sender="+447700900555",
        recipient="+447700900100",
        body=text,
        received_at=at,
    )


def _money(w: ClinicWorld, dup: Client, visit: Any) -> None:
    """A deposit, a package, and a checkout that redeems it: invoice, tenders, ledger."""
    desk: Any = w.memberships["front_desk"]
    package = ClientPackage.objects.create(
        clinic=w.clinic,
        client=dup,
        name="3 sessions",
        sessions_total=3,
        price_minor=30000,
        currency="GBP",
        sold_at=NOW,
        expires_at=NOW + timedelta(days=365),
    )
    deposit = DepositRequest.objects.create(
        clinic=w.clinic,
        appointment=visit,
        client=dup,
        amount_minor=1000,
        currency="GBP",
        due_by=NOW,
        created_at=NOW,
    )
    tender = new_tender(dup, TenderSpec("cash", 1000), at=NOW, by=desk, purpose="deposit", appointment=visit)
    DepositRequest.objects.filter(pk=deposit.pk).update(status=DepositStatus.PAID, tender=tender)
    line = LineSpec(kind="treatment", description="Cheeks", unit_price_minor=15000)
    serum = LineSpec(kind="fee", description="Serum", unit_price_minor=2500)
    check_out(
        visit,
        CheckoutSpec([line, serum], [TenderSpec("cash", 1500)], client_package_id=package.pk),
        actor=desk,
        now=NOW,
    )
    # A package in instalments and a membership (one live membership each: the kept has none).
    course = price_list(w.clinic, cheeks="150.00")
    sell_package(dup, course, areas=("cheeks",), actor=desk, now=NOW, instalments=3)
    plan = MembershipPlan.objects.create(
        clinic=w.clinic, name="Glow", monthly_fee_minor=5000, included_credits=1
    )
    memberships.join(dup, plan, actor=desk, now=NOW)
    # A card saved with Stripe (the kept client has none, so customer and card move).
    StripeCustomer.objects.create(clinic=w.clinic, client=dup, customer_id="cus_dup", created_at=NOW)
    SavedCard.objects.create(
        clinic=w.clinic,
        client=dup,
        payment_method_id="pm_dup",
        brand="visa",
        last4="4242",
        exp_month=12,
        exp_year=2030,
        created_at=NOW,
    )


def _everything(w: ClinicWorld, dup: Client) -> None:
    """One row (at least) of every model that points at a client, for `dup`."""
    wd = dataclasses.replace(w, client=dup)
    day = treatment_day(wd)  # intake, plan, consent document + signature, an appointment
    chart = treatments.start_chart(day.clinic, day.practitioner, day.appointment, now=START)
    treatments.add_chart_entry(day.clinic, day.practitioner, chart, entry_input(day), now=START)
    treatments.add_photo(
        day.clinic,
        day.practitioner,
        day.appointment,
        area="cheeks",
        view="front",
        phase="before",
        upload=upload(image_bytes()),
    )
    series = finished_series(wd, dup)
    reviews.submit_review(ClientActor(dup), series, rating=5, text="Lovely.")
    member = w.memberships["practitioner"]
    outcomes.record_score(
        w.clinic, actor=member, appointment=day.appointment, scale="gais", value=2, area="cheeks"
    )  # type: ignore[arg-type]
    outcomes.open_adverse_event(w.clinic, actor=member, client=dup, source="staff", type="infection")  # type: ignore[arg-type]
    WaitlistEntry.objects.create(
        clinic=w.clinic,
        client=dup,
        appointment_type=appointment_type(w),
        earliest=date(2027, 2, 1),
        latest=date(2027, 2, 5),
    )
    submit_report(dup, None, ReportInput(["redness"], 2, 2, "Still red"), [], source="portal")
    OutboxMessage.objects.create(
        clinic=w.clinic,
        client=dup,
        kind="reminder",
        channel="sms",
        recipient=dup.phone or "+447700900555",
        body="See you soon",
        due_at=NOW,
        next_attempt_at=NOW,
        idempotency_key=f"census-{dup.pk}",
    )
    _conversation(dup, NOW - timedelta(days=1), "Is parking free?")
    _money(w, dup, day.appointment)
    MagicLink.objects.create(
        clinic=w.clinic,
        client=dup,
        token_hash=f"{dup.pk:064d}",
        created_at=NOW,
        expires_at=NOW + timedelta(hours=1),
    )
    record_access(AccessContext(clinic=w.clinic, user=None, path="test"), client=dup, action="view")  # type: ignore[arg-type]
    Client.objects.create(
        clinic=w.clinic,
        first_name="Older",
        last_name="Copy",
        date_of_birth=dup.date_of_birth,
        is_archived=True,
        merged_into=dup,
    )


def _counts(client: Client) -> dict[str, int]:
    return {
        f"{m._meta.label}.{fk.name}": m._base_manager.filter(**{fk.name: client.pk}).count()
        for m, fk in client_references()
    }


def test_every_model_pointing_at_a_client_is_moved_onto_the_kept_one(clinic_a: ClinicWorld) -> None:
    keep: Any = clinic_a.client
    keep.phone = ""
    keep.save()
    dup = Client.objects.create(
        clinic=clinic_a.clinic,
        first_name="Zelda",
        last_name="Duplicate",
        date_of_birth=date(1990, 5, 17),
        phone="+447700900321",
        consent_sms=True,
        fitzpatrick=4,
    )
    _everything(clinic_a, dup)
    submit(clinic_a)  # the kept client has an intake too (earlier or later: numbered by date)
    _conversation(keep, NOW, "Running late")  # and a conversation (one per client: joined)
    before_keep, before_dup = _counts(keep), _counts(dup)
    # The census: a model with a foreign key to Client and no row here fails this line.
    empty = sorted(k for k, n in before_dup.items() if n == 0)
    assert not empty, f"give the duplicate a row of {empty} in _everything()"

    result = merge_clients(keep, dup, actor=clinic_a.memberships["owner"], now=NOW)  # type: ignore[arg-type]

    after_keep, after_dup = _counts(keep), _counts(dup)
    not_moved = {f"{m}.{f}" for m, f in NOT_MOVED}
    left = {k: n for k, n in after_dup.items() if n and k not in not_moved}
    assert left == {}, "still pointing at the duplicate"
    for key in before_dup:
        if key in not_moved:
            assert after_dup[key] == before_dup[key]  # the read history stays with the record read
        elif key == "messaging.Conversation.client":
            assert after_keep[key] == 1  # joined into one
        else:
            the_duplicate_itself = int(key == "clients.Client.merged_into")  # now merged into keep
            assert after_keep[key] == before_keep[key] + before_dup[key] + the_duplicate_itself, key
    assert InboundMessage.objects.filter(conversation__client=keep).count() == 2
    assert sorted(Intake.objects.filter(client=keep).values_list("version", flat=True)) == [1, 2]
    assert Client.objects.get(first_name="Older").merged_into_id == keep.pk  # chains point at the kept one
    # Blanks filled from the duplicate (the phone brings its consent); nothing overwritten.
    assert (keep.phone, keep.consent_sms, keep.first_name) == ("+447700900321", True, "ZeldaA")
    assert keep.fitzpatrick is None or keep.fitzpatrick == 4
    assert "phone" in result.filled
    dup.refresh_from_db()
    assert dup.is_archived and dup.merged_into_id == keep.pk  # never deleted
    ct = ContentType.objects.get_for_model(Client)
    for c in (keep, dup):
        entry = LogEntry.objects.filter(
            content_type=ct, object_id=c.pk, additional_data__note__startswith="merged"
        ).get()
        assert entry.actor == clinic_a.users["owner"]


def test_refusals(clinic_a: ClinicWorld, clinic_b: ClinicWorld) -> None:
    keep: Any = clinic_a.client
    dup = Client.objects.create(
        clinic=clinic_a.clinic, first_name="Z", last_name="D", date_of_birth=date(1990, 1, 1)
    )
    owner: Any = clinic_a.memberships["owner"]
    with pytest.raises(InvalidInput):
        merge_clients(keep, keep, actor=owner, now=NOW)
    with pytest.raises(NotFound):  # another clinic's record: not found, nothing leaks
        merge_clients(keep, clinic_b.client, actor=owner, now=NOW)  # type: ignore[arg-type]
    for role in ("practitioner", "front_desk"):
        with pytest.raises(NotAllowed):
            merge_clients(keep, dup, actor=clinic_a.memberships[role], now=NOW)  # type: ignore[arg-type]
    with pytest.raises(NotAllowed):
        merge_clients(keep, dup, actor=SystemActor(clinic_a.clinic.pk, "test"), now=NOW)  # type: ignore[attr-defined]
    merge_clients(keep, dup, actor=owner, now=NOW)
    with pytest.raises(Conflict):  # already merged
        merge_clients(keep, dup, actor=owner, now=NOW)
    with pytest.raises(NotFound):  # nor the other way round
        merge_clients(clinic_b.client, keep, actor=owner, now=NOW)  # type: ignore[arg-type]


def test_two_stripe_customers_refuse_a_merge(clinic_a: ClinicWorld) -> None:
    keep: Any = clinic_a.client
    dup = Client.objects.create(
        clinic=clinic_a.clinic, first_name="Z", last_name="D", date_of_birth=date(1990, 1, 1)
    )
    for c, cus in ((keep, "cus_keep"), (dup, "cus_dup")):
        StripeCustomer.objects.create(clinic=clinic_a.clinic, client=c, customer_id=cus, created_at=NOW)
    with pytest.raises(Conflict, match="Stripe"):
        merge_clients(keep, dup, actor=clinic_a.memberships["owner"], now=NOW)  # type: ignore[arg-type]
    dup.refresh_from_db()
    assert dup.merged_into_id is None and StripeCustomer.objects.get(client=dup).customer_id == "cus_dup"
