"""Adding staff is an invitation the person accepts (issue 21, finding 3).

An owner could attach any existing account to their clinic with its email alone, silently, and
the form answered differently for addresses with an account elsewhere. Now: the owner invites
(email + role), the answer is the same for any address, the emailed link is single-use and
time-limited, and the membership exists only once the invited person accepts.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.core import mail
from django.test import Client
from django.urls import reverse

from needlepoint import clock
from needlepoint.clinic.accounts.models import Invitation, Membership, Role, User
from needlepoint.clinic.messaging import worker
from needlepoint.clinic.messaging.models import Kind, OutboxMessage
from tests.conftest import PASSWORD, ClinicWorld


def _owner(client: Client, world: ClinicWorld) -> Client:
    client.force_login(world.users[Role.OWNER])  # type: ignore[arg-type]
    return client


def _outbox() -> list[Any]:
    """Invitations go through the outbox: run the worker once (the test mail backend)."""
    worker.process_batch("test", worker.WorkerConfig())
    return mail.outbox


def _invite(client: Client, email: str, role: str = "practitioner") -> Any:
    return client.post(reverse("staff-create"), {"email": email, "role": role}, follow=True)


def _link(message: Any) -> str:
    found = re.search(r"https?://[^/\s]+(/account/invitation/[^/\s]+/)", message.body)
    assert found, message.body
    return found.group(1)


def _visible(response: Any) -> str:
    """The page as the owner sees it, without the per-request CSRF token."""
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    body = re.sub(r'"X-CSRFToken": "[^"]+"', "", body)
    return re.sub(r"/invitations/\d+/", "/invitations/ID/", body)


def test_existing_account_is_not_attached_silently(
    client: Client, clinic_a: ClinicWorld, clinic_b: ClinicWorld
) -> None:
    _owner(client, clinic_a)
    response = _invite(client, "practitioner.b@example.com", "front_desk")
    assert response.status_code == 200
    person = User.objects.get(email="practitioner.b@example.com")
    assert not Membership.objects.filter(user=person, clinic=clinic_a.clinic).exists()
    assert Invitation.objects.get(email="practitioner.b@example.com").accepted_at is None
    # No password field, no "new account" branch: the form cannot create or attach accounts.
    assert 'name="password"' not in client.get(reverse("staff-create")).content.decode()


def test_answer_is_the_same_for_known_and_unknown_addresses(
    client: Client, clinic_a: ClinicWorld, clinic_b: ClinicWorld
) -> None:
    _owner(client, clinic_a)
    pages, bodies = [], []
    at = (clock.now() - timedelta(seconds=5)).replace(microsecond=0)  # same timestamps on both pages
    for address in ("practitioner.b@example.com", "nobody.here@example.com"):
        with clock.frozen(at):
            response = _invite(client, address)
        assert response.status_code == 200 and response.redirect_chain == [(reverse("staff-list"), 302)]
        pages.append(_visible(response).replace(address, "ADDRESS"))
        (message,) = _outbox()
        bodies.append(message.body.replace(_link(message), "LINK"))
        mail.outbox.clear()
        Invitation.objects.all().delete()  # the second page must not list the first invitation
    assert "Invitation sent to ADDRESS." in pages[0]
    assert pages[0] == pages[1]
    assert bodies[0] == bodies[1]


def test_only_the_hash_is_stored_and_addresses_are_lower_case(client: Client, clinic_a: ClinicWorld) -> None:
    _owner(client, clinic_a)
    _invite(client, "  New.Person@Example.COM ")
    invitation = Invitation.objects.get()
    assert invitation.email == "new.person@example.com"
    token = _link(_outbox()[0]).rstrip("/").rsplit("/", 1)[1]
    assert token not in str(list(Invitation.objects.values_list()))
    assert invitation.expires_at - invitation.sent_at == timedelta(days=7)


def test_new_person_accepts_with_name_and_password(client: Client, clinic_a: ClinicWorld) -> None:
    _owner(client, clinic_a)
    _invite(client, "new.person@example.com", "practitioner")
    link = _link(_outbox()[0])
    visitor = Client()
    page = visitor.get(link)
    assert page.status_code == 200 and "Clinic A" in page.content.decode()
    weak = visitor.post(link, {"first_name": "Nia", "last_name": "Okafor", "password": "123"})
    assert weak.status_code == 400 and "too short" in weak.content.decode()
    crlf = visitor.post(link, {"first_name": "Nia\r\nBcc: x", "last_name": "Okafor", "password": PASSWORD})
    assert crlf.status_code == 400 and "line breaks" in crlf.content.decode()
    assert not User.objects.filter(email="new.person@example.com").exists()
    ok = visitor.post(link, {"first_name": "Nia", "last_name": "Okafor", "password": PASSWORD})
    assert ok.status_code == 302 and ok["Location"] == reverse("dashboard")
    m = Membership.objects.get(user__email="new.person@example.com")
    assert m.clinic == clinic_a.clinic and m.role == Role.PRACTITIONER and m.user.first_name == "Nia"
    assert visitor.get(reverse("dashboard")).status_code == 200  # signed in
    assert Invitation.objects.get().accepted_at is not None


def test_existing_account_must_sign_in_as_that_address_and_confirm(
    client: Client, clinic_a: ClinicWorld, clinic_b: ClinicWorld
) -> None:
    _owner(client, clinic_a)
    _invite(client, "practitioner.b@example.com", "front_desk")
    link = _link(_outbox()[0])
    visitor = Client()
    page = visitor.get(link)
    body = page.content.decode()
    assert page.status_code == 200 and "Sign in to accept" in body and 'name="password"' not in body
    # Posting a new password for an existing address does nothing.
    hijack = visitor.post(link, {"first_name": "X", "last_name": "Y", "password": "a-sturdy-passphrase"})
    assert hijack.status_code == 200
    person = User.objects.get(email="practitioner.b@example.com")
    assert person.check_password(PASSWORD)
    assert not Membership.objects.filter(user=person, clinic=clinic_a.clinic).exists()

    visitor.force_login(person)
    confirm = visitor.get(link)
    assert confirm.status_code == 200 and "Join Clinic A" in confirm.content.decode()
    assert not Membership.objects.filter(user=person, clinic=clinic_a.clinic).exists()  # GET is not consent
    joined = visitor.post(link, {"action": "accept"})
    assert joined.status_code == 302
    m = Membership.objects.get(user=person, clinic=clinic_a.clinic)
    assert m.role == Role.FRONT_DESK
    assert "Clinic A" in visitor.get(reverse("dashboard")).content.decode()  # now working there


def test_wrong_signed_in_account_is_refused(
    client: Client, clinic_a: ClinicWorld, clinic_b: ClinicWorld
) -> None:
    _owner(client, clinic_a)
    _invite(client, "practitioner.b@example.com", "owner")
    link = _link(_outbox()[0])
    intruder = Client()
    intruder.force_login(clinic_b.users[Role.FRONT_DESK])  # type: ignore[arg-type]
    assert intruder.get(link).status_code == 403
    response = intruder.post(link, {"action": "accept"})
    assert response.status_code == 403 and "another email address" in response.content.decode()
    assert not Membership.objects.filter(
        clinic=clinic_a.clinic, user=clinic_b.users[Role.FRONT_DESK]
    ).exists()
    assert Invitation.objects.get().accepted_at is None


@pytest.mark.parametrize("how", ["expired", "revoked", "reused", "resent", "unknown"])
def test_dead_links_are_refused(client: Client, clinic_a: ClinicWorld, how: str) -> None:
    _owner(client, clinic_a)
    _invite(client, "new.person@example.com")
    link = _link(_outbox()[0])
    invitation = Invitation.objects.get()
    form = {"first_name": "Nia", "last_name": "Okafor", "password": PASSWORD}
    if how == "expired":
        Invitation.objects.update(expires_at=clock.now() - timedelta(seconds=1))
    elif how == "revoked":
        assert client.post(reverse("staff-invitation-revoke", args=[invitation.pk])).status_code == 302
    elif how == "reused":
        assert Client().post(link, form).status_code == 302
        User.objects.filter(email="new.person@example.com").delete()  # even with the account gone
    elif how == "resent":
        assert client.post(reverse("staff-invitation-resend", args=[invitation.pk])).status_code == 302
        assert len(_outbox()) == 2 and _link(_outbox()[1]) != link
        assert Client().get(_link(_outbox()[1])).status_code == 200  # the new link works
    else:
        link = link[:-6] + "xxxxx/"
    visitor = Client()
    page = visitor.get(link)
    assert page.status_code == 410 and "Ask the clinic" in page.content.decode()
    assert visitor.post(link, form).status_code == 410
    assert not Membership.objects.filter(user__email="new.person@example.com").exists()


def test_owner_sees_pending_invitations_and_actions_are_audited(
    client: Client, clinic_a: ClinicWorld
) -> None:
    _owner(client, clinic_a)
    _invite(client, "new.person@example.com")
    listing = client.get(reverse("staff-list")).content.decode()
    assert "new.person@example.com" in listing and "Resend" in listing and "Revoke" in listing
    invitation = Invitation.objects.get()
    client.post(reverse("staff-invitation-revoke", args=[invitation.pk]))
    assert "No pending invitations." in client.get(reverse("staff-list")).content.decode()
    entries = LogEntry.objects.get_for_object(invitation)
    assert entries.count() == 2  # created, revoked
    assert all("token_hash" not in (e.changes or "") for e in entries)
    assert entries.first().actor == clinic_a.users[Role.OWNER]  # type: ignore[union-attr]


def test_already_on_staff_is_said_plainly(client: Client, clinic_a: ClinicWorld) -> None:
    _owner(client, clinic_a)
    response = client.post(reverse("staff-create"), {"email": "Front_Desk.A@example.com", "role": "owner"})
    assert response.status_code == 400 and "already on the staff" in response.content.decode()


def test_other_roles_and_clinics_cannot_invite_or_touch_invitations(
    client: Client, clinic_a: ClinicWorld, clinic_b: ClinicWorld
) -> None:
    _owner(client, clinic_a)
    _invite(client, "new.person@example.com")
    invitation = Invitation.objects.get()
    other = Client()
    other.force_login(clinic_b.users[Role.OWNER])  # type: ignore[arg-type]
    assert other.post(reverse("staff-invitation-revoke", args=[invitation.pk])).status_code == 404
    desk = Client()
    desk.force_login(clinic_a.users[Role.FRONT_DESK])  # type: ignore[arg-type]
    assert desk.post(reverse("staff-create"), {"email": "x@example.com", "role": "owner"}).status_code == 403
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_mail_server_down_answers_the_same_and_keeps_the_invitation(
    client: Client, clinic_a: ClinicWorld, clinic_b: ClinicWorld, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    _owner(client, clinic_a)
    known = _invite(client, "practitioner.b@example.com")
    unknown = _invite(client, "nobody.here@example.com")
    assert known.status_code == unknown.status_code == 200
    # No mail server in the request: both are queued in the outbox, the worker retries them.
    assert "Invitation sent to" in known.content.decode() and "Invitation sent to" in unknown.content.decode()
    assert Invitation.objects.count() == 2
    assert OutboxMessage.objects.filter(kind=Kind.STAFF_INVITATION).count() == 2


def test_no_working_link_is_stored_in_the_outbox(client: Client, clinic_a: ClinicWorld) -> None:
    """Other staff read the outbox's delivery log: a link there would let them join as owner."""
    _owner(client, clinic_a)
    _invite(client, "new.person@example.com", "owner")
    queued = OutboxMessage.objects.get(kind=Kind.STAFF_INVITATION)
    assert Client().get(_link(queued)).status_code == 410
    link = _link(_outbox()[0])
    queued.refresh_from_db()
    assert link not in queued.body and Client().get(link).status_code == 200
