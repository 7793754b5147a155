"""The client portal: magic-link sign-in, separation from staff auth, isolation per client and
per clinic, documents, calendar downloads, before-the-session times."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse

from needlepoint import clock
from needlepoint.clinic.booking.models import Appointment, AppointmentType
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.consent.services import generate_consent
from needlepoint.clinic.intake.models import Intake
from needlepoint.clinic.messaging import worker
from needlepoint.portal import services
from needlepoint.portal.models import MagicLink
from needlepoint.portal.session import SESSION_KEY
from tests.clinic.journey_helpers import confirmed_plan, data_url, signature_png, signed
from tests.conftest import ClinicWorld


def _request(client, world: ClinicWorld, email: str):  # type: ignore[no-untyped-def]
    return client.post(reverse("portal-login", kwargs={"slug": world.clinic.slug}), {"email": email})


def _deliver() -> None:
    """Sign-in links go through the outbox: run the worker once (the test mail backend)."""
    worker.process_batch("test", worker.WorkerConfig())


def _link_from_mail() -> str:
    _deliver()
    match = re.search(r"http://testserver(/portal/\S+)", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)


def sign_in(client, world: ClinicWorld) -> None:  # type: ignore[no-untyped-def]
    _request(client, world, world.client.email)
    assert client.post(_link_from_mail()).status_code == 302


def test_magic_link_sign_in(client, clinic_a: ClinicWorld) -> None:
    response = _request(client, clinic_a, clinic_a.client.email.upper())
    assert response.status_code == 200 and "If this address belongs to a client" in response.content.decode()
    _deliver()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [clinic_a.client.email]
    link = _link_from_mail()
    token = link.rstrip("/").rsplit("/", 1)[1]
    # Only the hash is stored.
    assert not MagicLink.objects.filter(token_hash=token).exists()
    # GET only shows a button (mail scanners must not use the link up).
    assert client.get(link).status_code == 200
    assert client.post(link).status_code == 302
    assert client.session[SESSION_KEY] == {"client": clinic_a.client.pk, "clinic": clinic_a.clinic.pk}
    home = client.get(reverse("portal-home", kwargs={"slug": clinic_a.clinic.slug}))
    assert home.status_code == 200 and f"Hello, {clinic_a.client.first_name}" in home.content.decode()


def test_link_is_single_use(client, clinic_a: ClinicWorld) -> None:
    _request(client, clinic_a, clinic_a.client.email)
    link = _link_from_mail()
    assert client.post(link).status_code == 302
    client.post(reverse("portal-logout", kwargs={"slug": clinic_a.clinic.slug}))
    again = client.post(link)
    assert again.status_code == 400 and "already been used" in again.content.decode()


def test_link_expires(client, clinic_a: ClinicWorld) -> None:
    _request(client, clinic_a, clinic_a.client.email)
    link = _link_from_mail()
    MagicLink.objects.update(expires_at=clock.now() - timedelta(seconds=1))
    assert client.post(link).status_code == 400
    assert SESSION_KEY not in client.session


def test_no_account_enumeration(client, clinic_a: ClinicWorld) -> None:
    known = _request(client, clinic_a, clinic_a.client.email)
    unknown = _request(client, clinic_a, "nobody@example.com")
    assert known.status_code == unknown.status_code == 200

    def page(r) -> str:  # type: ignore[no-untyped-def]
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", r.content.decode())

    assert page(known) == page(unknown)
    _deliver()
    assert len(mail.outbox) == 1


def test_rate_limit_per_email(client, clinic_a: ClinicWorld) -> None:
    for _ in range(services.PER_EMAIL_PER_HOUR):
        assert _request(client, clinic_a, "nobody@example.com").status_code == 200
    assert _request(client, clinic_a, "nobody@example.com").status_code == 429


def test_bad_email_is_400_and_kept(client, clinic_a: ClinicWorld) -> None:
    response = _request(client, clinic_a, "not-an-email")
    assert response.status_code == 400
    body = response.content.decode()
    assert "Enter a valid email address" in body and 'value="not-an-email"' in body


def test_another_clinics_token_and_session_are_useless(
    client, clinic_a: ClinicWorld, clinic_b: ClinicWorld
) -> None:
    _request(client, clinic_a, clinic_a.client.email)
    link_a = _link_from_mail()
    token = link_a.rstrip("/").rsplit("/", 1)[1]
    at_b = reverse("portal-redeem", kwargs={"slug": clinic_b.clinic.slug, "token": token})
    assert client.post(at_b).status_code == 400
    assert client.post(link_a).status_code == 302
    # Signed in at clinic A: clinic B's portal asks to sign in.
    response = client.get(reverse("portal-home", kwargs={"slug": clinic_b.clinic.slug}))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_portal_session_is_not_staff_auth(client, clinic_a: ClinicWorld) -> None:
    sign_in(client, clinic_a)
    response = client.get(reverse("client-list"))
    assert response.status_code == 302 and "/account/login/" in response["Location"]


def test_a_client_sees_only_their_own_documents(client, clinic_a: ClinicWorld) -> None:
    other = Client.objects.create(
        clinic=clinic_a.clinic,
        first_name="Other",
        last_name="Person",
        date_of_birth="1985-01-01",
        email="other@example.com",
    )
    mine = signed(clinic_a, confirmed_plan(clinic_a))
    sign_in(client, clinic_a)
    slug = clinic_a.clinic.slug
    assert (
        client.get(reverse("portal-consent-pdf", kwargs={"slug": slug, "signature_pk": mine.pk})).status_code
        == 200
    )
    # The same flow for the other client, then try to read it as the first.
    from tests.clinic.journey_helpers import intake_data, submit  # local: builds for `other`

    clinic_a.client, original = other, clinic_a.client
    try:
        theirs_plan = confirmed_plan(clinic_a, intake_data())
        theirs = signed(clinic_a, theirs_plan)
        submit(clinic_a, client=other)
    finally:
        clinic_a.client = original
    assert (
        client.get(
            reverse("portal-consent-pdf", kwargs={"slug": slug, "signature_pk": theirs.pk})
        ).status_code
        == 404
    )
    assert (
        client.get(
            reverse("portal-consent", kwargs={"slug": slug, "document_pk": theirs.document.pk})
        ).status_code
        == 404
    )
    assert (
        client.get(reverse("portal-quote-pdf", kwargs={"slug": slug, "plan_pk": theirs_plan.pk})).status_code
        == 404
    )


def test_portal_consent_signing_and_intake(client, clinic_a: ClinicWorld) -> None:
    plan = confirmed_plan(clinic_a)
    doc = generate_consent(plan, actor=clinic_a.memberships["front_desk"])
    sign_in(client, clinic_a)
    slug = clinic_a.clinic.slug
    home = client.get(reverse("portal-home", kwargs={"slug": slug})).content.decode()
    assert "Please read and sign your consent" in home and "Cheeks" in home
    url = reverse("portal-consent", kwargs={"slug": slug, "document_pk": doc.pk})
    bad = client.post(
        url, {"typed_name": "Wrong Name", "signature": data_url(signature_png()), "agree": "on"}
    )
    assert bad.status_code == 400 and 'value="Wrong Name"' in bad.content.decode()
    ok = client.post(
        url, {"typed_name": clinic_a.client.full_name, "signature": data_url(signature_png()), "agree": "on"}
    )
    assert ok.status_code == 200 and "your consent is signed" in ok.content.decode()
    before = Intake.objects.count()
    bad = client.post(reverse("portal-intake", kwargs={"slug": slug}), {"fitzpatrick": "", "goals": "glow"})
    assert bad.status_code == 400 and "glow" in bad.content.decode()
    good = client.post(
        reverse("portal-intake", kwargs={"slug": slug}),
        {"fitzpatrick": "2", "area_cheeks": "acne_scars", "cond_keloid_history": "on"},
    )
    assert good.status_code == 302
    assert Intake.objects.count() == before + 1 and Intake.objects.latest("pk").source == "portal"


@pytest.fixture
def appointment(clinic_a: ClinicWorld) -> Appointment:
    kind = AppointmentType.objects.create(clinic=clinic_a.clinic, name="Microneedling", duration_minutes=60)
    zone = ZoneInfo(clinic_a.location.timezone)
    local = (
        (clock.now() + timedelta(days=10))
        .astimezone(zone)
        .replace(hour=14, minute=0, second=0, microsecond=0)
    )
    start = local.astimezone(ZoneInfo("UTC"))
    return Appointment.objects.create(
        clinic=clinic_a.clinic,
        client=clinic_a.client,
        appointment_type=kind,
        location=clinic_a.location,
        practitioner=clinic_a.memberships["practitioner"],
        room=clinic_a.room,
        start=start,
        end=start + timedelta(hours=1),
        arrival=start - timedelta(minutes=45),
        practitioner_start=start - timedelta(minutes=45),
        practitioner_end=start + timedelta(hours=1),
        room_start=start - timedelta(minutes=45),
        room_end=start + timedelta(hours=1),
        busy_start=start - timedelta(minutes=45),
        busy_end=start + timedelta(hours=1),
        fee_due=Decimal(0),
    )


def test_session_page_shows_numbing_clock_times_in_local_time(
    client, clinic_a: ClinicWorld, appointment: Appointment
) -> None:
    confirmed_plan(clinic_a)
    sign_in(client, clinic_a)
    slug = clinic_a.clinic.slug
    home = client.get(reverse("portal-home", kwargs={"slug": slug})).content.decode()
    assert "14:00" in home and "add to calendar" in home
    page = client.get(reverse("portal-appointment", kwargs={"slug": slug, "appointment_pk": appointment.pk}))
    body = page.content.decode()
    assert '<strong id="apply-at">13:15</strong>' in body  # 45 minutes of lidocaine before 14:00 local
    assert '<strong id="start-at">14:00</strong>' in body and "17:00" in body
    ics = client.get(
        reverse("portal-appointment-ics", kwargs={"slug": slug, "appointment_pk": appointment.pk})
    )
    assert ics.status_code == 200 and b"BEGIN:VEVENT" in ics.content and b"TZID=Europe/London" in ics.content


def test_other_clients_appointments_are_not_found(
    client, clinic_a: ClinicWorld, appointment: Appointment
) -> None:
    other = Client.objects.create(
        clinic=clinic_a.clinic,
        first_name="Other",
        last_name="Person",
        date_of_birth="1985-01-01",
        email="other@example.com",
    )
    client.post(reverse("portal-login", kwargs={"slug": clinic_a.clinic.slug}), {"email": other.email})
    client.post(_link_from_mail())
    slug = clinic_a.clinic.slug
    for name in ("portal-appointment", "portal-appointment-ics"):
        assert (
            client.get(reverse(name, kwargs={"slug": slug, "appointment_pk": appointment.pk})).status_code
            == 404
        )
    assert (
        client.post(
            reverse("portal-appointment-cancel", kwargs={"slug": slug, "appointment_pk": appointment.pk})
        ).status_code
        == 404
    )


def test_client_cancels_own_session_within_policy(
    client, clinic_a: ClinicWorld, appointment: Appointment
) -> None:
    sign_in(client, clinic_a)
    url = reverse(
        "portal-appointment-cancel", kwargs={"slug": clinic_a.clinic.slug, "appointment_pk": appointment.pk}
    )
    long_reason = "x" * 300
    assert client.post(url, {"reason": long_reason}).status_code == 400
    assert client.post(url, {"reason": "Holiday"}).status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"


def test_client_reschedules_to_an_offered_time(
    client, clinic_a: ClinicWorld, appointment: Appointment
) -> None:
    import datetime as dt

    from needlepoint.clinic.booking.models import WeeklyShift

    clinic_a.location.opening_hours = {
        d: [["08:00", "19:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    }
    clinic_a.location.save()
    practitioner = clinic_a.memberships["practitioner"]
    practitioner.locations.add(clinic_a.location)
    for weekday in range(7):
        WeeklyShift.objects.create(
            clinic=clinic_a.clinic,
            practitioner=practitioner,
            location=clinic_a.location,
            weekday=weekday,
            start=dt.time(9, 0),
            end=dt.time(18, 0),
        )
    sign_in(client, clinic_a)
    url = reverse(
        "portal-appointment-reschedule",
        kwargs={"slug": clinic_a.clinic.slug, "appointment_pk": appointment.pk},
    )
    page = client.get(url)
    assert page.status_code == 200
    # A date first (only days with a free time), then that day's times: two short lists.
    days = re.findall(r'href="\?day=([0-9-]+)"', page.content.decode())
    assert days and 'name="new_start"' not in page.content.decode()
    second = client.get(url, {"day": days[-1]}).content.decode()
    offered = re.findall(r'name="new_start" value="([^"]+)"', second)
    assert offered and 'href="?day=' not in second
    # A day without free times (or nonsense) shows the days again.
    assert 'href="?day=' in client.get(url, {"day": "2001-01-01"}).content.decode()
    assert 'href="?day=' in client.get(url, {"day": "２０２６"}).content.decode()
    assert len(offered) < 40
    bad = client.post(url, {"new_start": "2001-01-01T00:00:00+00:00"})
    assert bad.status_code == 400 and "Choose one of the times offered" in bad.content.decode()
    assert client.post(url, {"new_start": offered[-1]}).status_code == 302
    appointment.refresh_from_db()
    assert appointment.start.isoformat() == offered[-1]
