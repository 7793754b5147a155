"""A full session through the staff web UI: check-in, numbing clock (with and without
JavaScript), charting with refusals shown on the form, signing, addenda, photos and comparison,
lots received and recalled."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.urls import reverse

from needlepoint import clock
from needlepoint.clinic.treatments.models import Chart, ChartEntry, Lot, TreatmentPhoto
from tests.clinic.treatments.helpers import START, image_bytes, lot, treatment_day, upload
from tests.clinic.treatments.helpers import entry_input as _entry_input
from tests.conftest import ClinicWorld


def _entry_post(day: Any, **kw: Any) -> dict[str, Any]:
    data = {
        "area": "cheeks",
        "device": day.device.pk,
        "cartridge_lot": day.cartridge.pk,
        "passes": 3,
        "product_lot": day.product.pk,
        "endpoint": "pinpoint_bleeding",
        "pain_score": 3,
        "reactions": ["erythema"],
    }
    data.update(kw)
    return _prefixed("entry", data)


def _prefixed(prefix: str, data: dict[str, Any]) -> dict[str, Any]:
    return {f"{prefix}-{k}": v for k, v in data.items()}


def test_a_full_session_through_the_web(client: Any, clinic_a: ClinicWorld, monkeypatch: Any) -> None:
    day = treatment_day(clinic_a, check_in=False)
    appt = day.appointment
    page_url = reverse("treatment-day", kwargs={"pk": appt.pk})

    # Front desk checks in and records the cream (local time 09:10 in London = GMT in January).
    client.force_login(clinic_a.users["front_desk"])
    assert client.post(reverse("treatment-check-in", kwargs={"pk": appt.pk})).status_code == 302
    monkeypatch.setattr(clock, "now", lambda: START - timedelta(minutes=45))
    response = client.post(
        reverse("treatment-numbing", kwargs={"pk": appt.pk}),
        _prefixed(
            "numbing", {"areas": ["cheeks", "forehead"], "applied_time": "09:10", "agent": "lidocaine_5"}
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(page_url).content.decode()
    assert "ready in 40 min" in page and "Ready at <strong>09:55</strong>" in page
    assert 'hx-trigger="every 30s"' in page

    # Without JavaScript: the clock page reloads itself while running; htmx gets the fragment.
    clock_url = reverse("numbing-clock", kwargs={"pk": appt.pk})
    full = client.get(clock_url)
    assert full["Refresh"] == "30" and "<html" in full.content.decode()
    fragment = client.get(clock_url, HTTP_HX_REQUEST="true")
    assert "<html" not in fragment.content.decode() and 'id="numbing-clock"' in fragment.content.decode()
    application = appt.numbing_applications.get()
    # Cannot be undone: a bare post only asks for confirmation, the confirming post records it.
    ask = client.post(reverse("numbing-remove", kwargs={"pk": application.pk}))
    assert ask.status_code == 200 and 'id="confirm-removal"' in ask.content.decode()
    application.refresh_from_db()
    assert application.removed_at is None
    remove = client.post(reverse("numbing-remove", kwargs={"pk": application.pk}), {"confirm": "yes"})
    assert remove.status_code == 302
    application.refresh_from_db()
    assert application.removed_at == START - timedelta(minutes=45)
    assert "removed 09:15 GMT" in client.get(page_url).content.decode()
    monkeypatch.setattr(clock, "now", lambda: START + timedelta(hours=5))
    assert "Refresh" not in client.get(clock_url)  # expired: nothing left to count
    monkeypatch.setattr(clock, "now", lambda: START)

    # The practitioner charts: a depth change without a reason comes back on the field.
    client.force_login(clinic_a.users["practitioner"])
    add = reverse("chart-entry-add", kwargs={"pk": appt.pk})
    refused = client.post(add, _entry_post(day, depth_mm="1.25"))
    body = refused.content.decode()
    assert (
        refused.status_code == 400 and "Give a reason: 1.25 mm differs from the recommended 1.50 mm" in body
    )
    assert 'value="1.25"' in body  # nothing the practitioner typed is lost
    too_deep = client.post(add, _entry_post(day, depth_mm="2.40", override_reason="deep"))
    assert too_deep.status_code == 400 and "exceeds the hard maximum 2.0 mm" in too_deep.content.decode()
    expired = lot(clinic_a, number="OLD", expiry=date(2027, 1, 4), now=START - timedelta(days=10))
    stale = client.post(add, _entry_post(day, cartridge_lot=expired.pk))
    assert stale.status_code == 400 and "expired on 04 Jan 2027: do not use it" in stale.content.decode()
    assert f'<option value="{expired.pk}"' not in client.get(page_url).content.decode()  # not offered
    assert client.post(add, _entry_post(day)).status_code == 302
    assert client.post(add, _entry_post(day, area="forehead", passes=2, reactions=[])).status_code == 302
    assert Lot.objects.get(pk=day.cartridge.pk).quantity_used == 1

    # Photos before and after; a hostile upload is refused with a clear message.
    photo_url = reverse("treatment-photo-add", kwargs={"pk": appt.pk})
    for phase, colour in (("before", "red"), ("after", "pink")):
        ok = client.post(
            photo_url,
            _prefixed(
                "photo",
                {
                    "area": "cheeks",
                    "view": "front",
                    "phase": phase,
                    "image": upload(image_bytes(colour=colour)),
                },
            ),
        )
        assert ok.status_code == 302
    bad = client.post(
        photo_url,
        _prefixed(
            "photo",
            {
                "area": "cheeks",
                "view": "front",
                "phase": "after",
                "image": upload(b"\x89PNG garbage", "x.png"),
            },
        ),
    )
    assert bad.status_code == 400 and "x.png: not an image we can read" in bad.content.decode()
    assert TreatmentPhoto.objects.filter(appointment=appt).count() == 2

    # Sign: the page shows whose signature it records; unconfirmed, nothing happens; a typed name
    # is ignored; signing locks the chart and completes the session.
    practitioner = clinic_a.memberships["practitioner"]
    assert f'<strong id="signature">{practitioner.name}</strong>' in client.get(page_url).content.decode()
    sign_url = reverse("chart-sign", kwargs={"pk": appt.pk})
    unconfirmed = client.post(sign_url, _prefixed("sign", {}))
    assert unconfirmed.status_code == 400 and "Tick the box to confirm" in unconfirmed.content.decode()
    assert not Chart.objects.get(appointment=appt).is_signed
    sign = client.post(sign_url, _prefixed("sign", {"signature_name": "Someone Else", "confirm": "on"}))
    assert sign.status_code == 302
    chart = Chart.objects.get(appointment=appt)
    assert chart.is_signed and chart.signature_name == practitioner.name
    appt.refresh_from_db()
    assert appt.status == "completed"
    locked = client.post(add, _entry_post(day, area="forehead"))
    assert locked.status_code in (400, 409)
    cheeks = ChartEntry.objects.get(chart=chart, area="cheeks")
    assert client.post(reverse("chart-entry-remove", kwargs={"pk": cheeks.pk})).status_code == 302
    assert ChartEntry.objects.filter(pk=cheeks.pk).exists()  # refused: still there
    addendum = client.post(
        reverse("chart-addendum", kwargs={"pk": appt.pk}),
        _prefixed("addendum", {"text": "Pain was 5 on the left cheek.", "entry": cheeks.pk}),
    )
    assert addendum.status_code == 302
    page = client.get(page_url).content.decode()
    assert f"Signed by {practitioner.name}" in page and "Pain was 5 on the left cheek." in page
    assert ChartEntry.objects.get(pk=cheeks.pk).pain_score == 3

    # The client page shows the history, and the comparison shows both photos.
    detail = client.get(reverse("client-detail", kwargs={"pk": day.client.pk})).content.decode()
    assert 'id="treatment-history"' in detail and "signed" in detail
    compare = client.get(reverse("photo-compare", kwargs={"pk": day.client.pk})).content.decode()
    ids = list(TreatmentPhoto.objects.filter(appointment=appt).order_by("pk").values_list("pk", flat=True))
    for pk in ids:
        assert reverse("treatment-photo", kwargs={"photo_pk": pk}) in compare


def test_lots_are_received_and_recalled_through_the_web(client: Any, clinic_a: ClinicWorld) -> None:
    day = treatment_day(clinic_a)
    client.force_login(clinic_a.users["practitioner"])
    form = {
        "location": clinic_a.location.pk,  # type: ignore[attr-defined]
        "kind": "cartridge",
        "product_name": "Nano 12-pin",
        "lot_number": "N-12",
        "expiry": "2027-01-01",
        "quantity": 20,
    }
    refused = client.post(reverse("lot-list"), form)
    assert (
        refused.status_code == 400 and "expired on 01 Jan 2027: do not stock it" in refused.content.decode()
    )
    assert client.post(reverse("lot-list"), {**form, "expiry": "2028-01-01"}).status_code == 302
    assert "N-12" in client.get(reverse("lot-list")).content.decode()

    client.post(reverse("chart-entry-add", kwargs={"pk": day.appointment.pk}), _entry_post(day))
    recall_url = reverse("lot-recall", kwargs={"pk": day.cartridge.pk})
    assert client.post(recall_url, {"recall-reason": "notice"}).status_code == 403  # owner only
    client.force_login(clinic_a.users["owner"])
    assert client.post(recall_url, {"recall-reason": ""}).status_code == 400
    assert client.post(recall_url, {"recall-reason": "Supplier notice 12/2026"}).status_code == 302
    detail = client.get(reverse("lot-detail", kwargs={"pk": day.cartridge.pk})).content.decode()
    assert "Recalled" in detail and day.client.full_name in detail and "Supplier notice 12/2026" in detail


def test_appointment_page_links_treatment_day_and_loads_the_clock(client: Any, clinic_a: ClinicWorld) -> None:
    day = treatment_day(clinic_a)
    client.force_login(clinic_a.users["front_desk"])
    page = client.get(reverse("appointment-detail", kwargs={"pk": day.appointment.pk})).content.decode()
    assert reverse("treatment-day", kwargs={"pk": day.appointment.pk}) in page
    assert f'hx-get="{reverse("numbing-clock", kwargs={"pk": day.appointment.pk})}"' in page
    assert "chart, photos" not in page  # front desk: check-in and clock only


def test_reading_a_lot_trace_is_logged_per_client_shown(client: Any, clinic_a: ClinicWorld) -> None:
    from needlepoint.clinic.audit.models import AccessLog

    day = treatment_day(clinic_a)
    client.force_login(clinic_a.users["practitioner"])
    client.post(reverse("chart-entry-add", kwargs={"pk": day.appointment.pk}), _entry_post(day))
    client.get(reverse("lot-detail", kwargs={"pk": day.cartridge.pk}))
    log = AccessLog.objects.filter(action=f"view lot trace {day.cartridge.pk}")
    assert [row.client_id for row in log] == [day.client.pk]


def test_treatment_day_page_queries_do_not_grow_with_entries_and_photos(
    client: Any, clinic_a: ClinicWorld, django_assert_max_num_queries: Any
) -> None:
    from needlepoint.clinic.treatments import services

    day = treatment_day(clinic_a)
    chart = services.start_chart(day.clinic, day.practitioner, day.appointment)
    for area in ("cheeks", "forehead"):
        services.add_chart_entry(day.clinic, day.practitioner, chart, _entry_input(day, area), now=START)
        for phase in ("before", "after"):
            services.add_photo(
                day.clinic,
                day.practitioner,
                day.appointment,
                area=area,
                view="front",
                phase=phase,
                upload=upload(image_bytes()),
            )
    client.force_login(clinic_a.users["practitioner"])
    url = reverse("treatment-day", kwargs={"pk": day.appointment.pk})
    client.get(url)  # warm the session and the protocol cache
    with django_assert_max_num_queries(20):  # measured 19 with 2 entries and 4 photos
        assert client.get(url).status_code == 200
