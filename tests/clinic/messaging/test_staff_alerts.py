"""Red-flag alerts (client name, symptoms, free text) reach only the clinic's active owners and
practitioners: checked when the alert is queued and again when the worker sends it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from needlepoint.clinic.accounts.models import Membership, Role, User
from needlepoint.clinic.messaging import worker
from needlepoint.clinic.messaging.models import DeliveryAttempt, Kind, OutboxMessage, Status
from needlepoint.clinic.messaging.reactions import ReportInput, submit_report
from tests.clinic.messaging.smtp_sink import Recorder
from tests.conftest import PASSWORD, ClinicWorld

FAST = worker.WorkerConfig(batch=20, poll=0.05, base_delay=timedelta(seconds=0))


def _red_flag(world: ClinicWorld) -> None:
    submit_report(world.client, None, ReportInput(["fever", "pus"], 2, None, "hot and sore"), [])


def _recipients() -> set[str]:
    return set(OutboxMessage.objects.filter(kind=Kind.STAFF_ALERT).values_list("recipient", flat=True))


def test_alerts_are_queued_only_for_active_members_with_active_accounts(clinic_a: ClinicWorld) -> None:
    owner, practitioner = clinic_a.users["owner"], clinic_a.users["practitioner"]
    Membership.objects.filter(pk=clinic_a.memberships["practitioner"].pk).update(is_active=False)
    gone = User.objects.create_user("left.a@example.com", PASSWORD, is_active=False)
    Membership.objects.create(clinic=clinic_a.clinic, user=gone, role=Role.PRACTITIONER)
    other = User.objects.create_user("second.owner.a@example.com", PASSWORD)
    Membership.objects.create(clinic=clinic_a.clinic, user=other, role=Role.OWNER)
    _red_flag(clinic_a)
    recipients = _recipients()
    assert recipients == {owner.email, other.email}  # type: ignore[attr-defined]
    assert practitioner.email not in recipients and gone.email not in recipients  # type: ignore[attr-defined]
    assert clinic_a.users["front_desk"].email not in recipients  # type: ignore[attr-defined]


def _deactivate_membership(world: ClinicWorld) -> None:
    Membership.objects.filter(pk=world.memberships["practitioner"].pk).update(is_active=False)


def _deactivate_user(world: ClinicWorld) -> None:
    User.objects.filter(pk=world.users["practitioner"].pk).update(is_active=False)  # type: ignore[attr-defined]


def _demote_to_front_desk(world: ClinicWorld) -> None:
    Membership.objects.filter(pk=world.memberships["practitioner"].pk).update(role=Role.FRONT_DESK)


@pytest.mark.parametrize("change", [_deactivate_membership, _deactivate_user, _demote_to_front_desk])
def test_a_member_deactivated_between_queue_and_send_gets_nothing(
    clinic_a: ClinicWorld, smtp: Recorder, change: Callable[[ClinicWorld], None]
) -> None:
    owner, practitioner = clinic_a.users["owner"].email, clinic_a.users["practitioner"].email  # type: ignore[attr-defined]
    _red_flag(clinic_a)
    assert _recipients() == {owner, practitioner}
    change(clinic_a)
    assert worker.process_batch("test", FAST) == 2
    delivered = [m["To"] for m in smtp.messages]
    assert delivered == [owner]
    skipped = OutboxMessage.objects.get(kind=Kind.STAFF_ALERT, recipient=practitioner)
    assert skipped.status == Status.SKIPPED and skipped.sent_at is None
    assert "no longer an active owner or practitioner" in skipped.last_error
    assert DeliveryAttempt.objects.get(message=skipped).error.startswith("skipped:")
    assert OutboxMessage.objects.get(kind=Kind.STAFF_ALERT, recipient=owner).status == Status.SENT
    # A skipped alert is never claimed again.
    assert worker.process_batch("test", FAST) == 0 and len(smtp.messages) == 1
