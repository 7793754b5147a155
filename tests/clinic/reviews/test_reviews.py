"""Reviews: the client writes one per finished series, an owner publishes or rejects (never
edits), the public page shows only published ones with the notice, the client can withdraw."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from needlepoint.clinic.errors import NotAllowed, NotFound
from needlepoint.clinic.messaging import services as messaging
from needlepoint.clinic.messaging.models import Kind, OutboxMessage
from needlepoint.clinic.permissions import ClientActor
from needlepoint.clinic.reviews.models import Review, ReviewStatus
from needlepoint.clinic.reviews.services import (
    ReviewError,
    publish_review,
    reject_review,
    submit_review,
    withdraw_review,
)
from needlepoint.clinic.webhooks.models import WebhookDelivery, WebhookEndpoint
from needlepoint.portal.session import sign_in
from tests.clinic.outcomes.helpers import day, finished_series, series, session
from tests.conftest import ClinicWorld


def _portal(client: Any, world: ClinicWorld) -> None:
    session_ = client.session
    session_["portal_client"] = {"client": world.client.pk, "clinic": world.clinic.pk}  # type: ignore[attr-defined]
    session_.save()


def test_only_a_finished_own_series_can_be_reviewed(clinic_a: ClinicWorld, clinic_b: ClinicWorld) -> None:
    running = series(clinic_a, sessions=3)
    session(clinic_a, day(0), in_series=running, index=0)
    with pytest.raises(ReviewError, match="last session"):
        submit_review(ClientActor(clinic_a.client), running, rating=5, text="Great")  # type: ignore[arg-type]
    with pytest.raises(NotFound):  # another clinic's series: as if it did not exist
        submit_review(ClientActor(clinic_a.client), finished_series(clinic_b), rating=5, text="x")  # type: ignore[arg-type]
    done = finished_series(clinic_a)
    with pytest.raises(ReviewError, match="1 to 5"):
        submit_review(ClientActor(clinic_a.client), done, rating=6, text="x")  # type: ignore[arg-type]
    review = submit_review(ClientActor(clinic_a.client), done, rating=4, text="  Skin smoother.  ")  # type: ignore[arg-type]
    assert (review.status, review.text, review.display_name) == ("pending", "Skin smoother.", "ZeldaA C.")
    with pytest.raises(ReviewError, match="already"):
        submit_review(ClientActor(clinic_a.client), done, rating=5, text="again")  # type: ignore[arg-type]


def test_moderation_publishes_or_rejects_but_never_edits(clinic_a: ClinicWorld) -> None:
    WebhookEndpoint.objects.create(
        clinic=clinic_a.clinic, url="https://example.com/h", events=["review.published"]
    )
    review = submit_review(ClientActor(clinic_a.client), finished_series(clinic_a), rating=2, text="Meh")  # type: ignore[arg-type]
    owner, practitioner = clinic_a.memberships["owner"], clinic_a.memberships["practitioner"]
    with pytest.raises(NotAllowed, match="owner"):
        publish_review(review, actor=practitioner)  # type: ignore[arg-type]
    with pytest.raises(ReviewError, match="reason"):
        reject_review(review, actor=owner, reason=" ")  # type: ignore[arg-type]
    reject_review(review, actor=owner, reason="Names a member of staff")  # type: ignore[arg-type]
    publish_review(review, actor=owner)  # type: ignore[arg-type]
    assert review.status == ReviewStatus.PUBLISHED and review.reject_reason == ""
    assert WebhookDelivery.objects.get().payload["data"] == {
        "review_id": review.pk, "series_id": review.series_id, "rating": 2,
    }  # fmt: skip
    stored = Review.objects.get()
    stored.text = "Wonderful!"
    with pytest.raises(ValueError, match="cannot be edited"):
        stored.save()
    assert Review.objects.get().text == "Meh"


def test_public_page_shows_published_reviews_with_notice_and_treatment(
    client: Any, clinic_a: ClinicWorld, clinic_b: ClinicWorld
) -> None:
    owner = clinic_a.memberships["owner"]
    published = submit_review(
        ClientActor(clinic_a.client), finished_series(clinic_a), rating=5, text="Lovely <b>team</b>"
    )  # type: ignore[arg-type]
    publish_review(published, actor=owner)  # type: ignore[arg-type]
    submit_review(ClientActor(clinic_a.client), finished_series(clinic_a), rating=1, text="Still pending")  # type: ignore[arg-type]
    other = submit_review(
        ClientActor(clinic_b.client), finished_series(clinic_b), rating=5, text="Other clinic"
    )  # type: ignore[arg-type]
    publish_review(other, actor=clinic_b.memberships["owner"])  # type: ignore[arg-type]
    page = client.get(reverse("reviews-public", args=[clinic_a.clinic.slug])).content.decode()  # type: ignore[attr-defined]
    assert "Results may vary" in page and "Treatment: Microneedling face" in page
    assert "Lovely &lt;b&gt;team&lt;/b&gt;" in page  # escaped, as written
    assert "Still pending" not in page and "Other clinic" not in page and "ZeldaA C." in page
    assert "ClientA" not in page  # no surname
    withdraw_review(ClientActor(clinic_a.client), published)  # type: ignore[arg-type]
    assert "Lovely" not in client.get(reverse("reviews-public", args=[clinic_a.clinic.slug])).content.decode()  # type: ignore[attr-defined]


def test_portal_write_and_withdraw(client: Any, clinic_a: ClinicWorld, clinic_b: ClinicWorld) -> None:
    done = finished_series(clinic_a)
    _portal(client, clinic_a)
    slug = clinic_a.clinic.slug  # type: ignore[attr-defined]
    listing = client.get(reverse("portal-reviews", args=[slug])).content.decode()
    assert f"/reviews/series/{done.pk}/" in listing
    url = reverse("portal-review-write", args=[slug, done.pk])
    bad = client.post(url, {"rating": "5", "text": ""})
    assert bad.status_code == 400 and not Review.objects.exists()
    client.post(url, {"rating": "4", "text": "Smoother skin", "display_name": "Z."})
    review = Review.objects.get()
    assert (review.rating, review.display_name, review.status) == (4, "Z.", "pending")
    other = finished_series(clinic_b)
    assert client.get(reverse("portal-review-write", args=[slug, other.pk])).status_code == 404
    client.post(reverse("portal-review-withdraw", args=[slug, review.pk]))
    review.refresh_from_db()
    assert review.status == ReviewStatus.WITHDRAWN and review.text == "Smoother skin"


def test_owner_moderates_in_the_web_ui(client: Any, clinic_a: ClinicWorld) -> None:
    review = submit_review(ClientActor(clinic_a.client), finished_series(clinic_a), rating=3, text="Fine")  # type: ignore[arg-type]
    client.force_login(clinic_a.users["practitioner"])
    assert client.get(reverse("review-moderation")).status_code == 403
    client.force_login(clinic_a.users["owner"])
    assert "Fine" in client.get(reverse("review-moderation")).content.decode()
    client.post(reverse("review-reject", args=[review.pk]), {"reason": ""})
    review.refresh_from_db()
    assert review.status == "pending"
    client.post(reverse("review-publish", args=[review.pk]), {"text": "Edited by staff"})
    review.refresh_from_db()
    assert review.status == "published" and review.text == "Fine"


def test_last_session_plans_a_review_request_with_the_portal_link(clinic_a: ClinicWorld) -> None:
    client = clinic_a.client
    client.consent_email = True  # type: ignore[attr-defined]
    client.save()  # type: ignore[attr-defined]
    s = series(clinic_a, sessions=1)
    appt = session(clinic_a, day(800), in_series=s, index=0, status="booked")  # in the future
    messaging.on_booked(appt)
    message = OutboxMessage.objects.get(kind=Kind.REVIEW)
    assert reverse("portal-reviews", args=[clinic_a.clinic.slug]) in message.body  # type: ignore[attr-defined]


def test_sign_in_helper_matches_the_portal_session(rf: Any, clinic_a: ClinicWorld) -> None:
    # Guards _portal() above against drift from the real sign-in.
    from django.contrib.sessions.backends.db import SessionStore

    request = rf.get("/")
    request.session = SessionStore()
    sign_in(request, clinic_a.client)  # type: ignore[arg-type]
    assert request.session["portal_client"] == {"client": clinic_a.client.pk, "clinic": clinic_a.clinic.pk}  # type: ignore[attr-defined]
