"""Writes for reviews: the client writes or withdraws; an owner publishes or rejects.

Request-free (the portal, staff views and the API call these with a typed actor; permissions
decides who may); errors are :class:`ReviewError` (a ``ValueError``) with a message for the user,
or the permissions' ``NotAllowed``/``NotFound``. Nobody edits a review's rating or text.
"""

from __future__ import annotations

from django.db import transaction

from needlepoint import clock
from needlepoint.clinic import events
from needlepoint.clinic.booking.models import Series
from needlepoint.clinic.errors import InvalidInput
from needlepoint.clinic.permissions import Action, Actor, require, require_staff

from .models import Review, ReviewStatus
from .selectors import is_reviewable, treatment_label

MAX_TEXT = 4000


class ReviewError(InvalidInput, ValueError):
    """A review action that is not allowed now; the message is shown to the user."""


@transaction.atomic
def submit_review(
    actor: Actor, series: Series, *, rating: int, text: str, display_name: str = ""
) -> Review:
    """The client's review of a finished series (one per series), awaiting moderation."""
    require(actor, Action.SUBMIT_REVIEW, series)
    client = series.client
    if not is_reviewable(series):
        raise ReviewError("You can review a series once its last session has taken place.")
    if Review.objects.filter(series=series).exists():
        raise ReviewError("You have already reviewed this series.")
    if not 1 <= rating <= 5:
        raise ReviewError("Choose a rating from 1 to 5 stars.")
    text = text.strip()
    if not text:
        raise ReviewError("Write a few words about your experience.")
    if len(text) > MAX_TEXT:
        raise ReviewError(f"Keep the review under {MAX_TEXT} characters.")
    name = display_name.strip() or f"{client.first_name} {client.last_name[:1]}.".strip()
    return Review.objects.create(
        clinic_id=client.clinic_id,
        client=client,
        series=series,
        treatment=treatment_label(series),
        rating=rating,
        text=text,
        display_name=name[:60],
        submitted_at=clock.now(),
    )


@transaction.atomic
def publish_review(review: Review, *, actor: Actor) -> Review:
    """Publish as written and publish ReviewPublished (webhooks send ``review.published``)."""
    by = require_staff(actor, Action.MODERATE_REVIEW, review)
    if review.status not in (ReviewStatus.PENDING, ReviewStatus.REJECTED):
        raise ReviewError(f"A review that is {review.get_status_display().lower()} cannot be published.")
    now = clock.now()
    review.status = ReviewStatus.PUBLISHED
    review.moderated_by, review.moderated_at, review.published_at = by, now, now
    review.reject_reason = ""
    review.save(update_fields=["status", "moderated_by", "moderated_at", "published_at", "reject_reason"])
    events.publish(events.ReviewPublished(review.clinic_id, review=review))
    return review


def reject_review(review: Review, *, actor: Actor, reason: str) -> Review:
    """Keep it off the public page; the reason is shown to the client."""
    by = require_staff(actor, Action.MODERATE_REVIEW, review)
    reason = reason.strip()
    if not reason:
        raise ReviewError("Give the reason for rejecting (the client sees it).")
    if review.status not in (ReviewStatus.PENDING, ReviewStatus.PUBLISHED):
        raise ReviewError(f"A review that is {review.get_status_display().lower()} cannot be rejected.")
    review.status = ReviewStatus.REJECTED
    review.moderated_by, review.moderated_at = by, clock.now()
    review.reject_reason = reason[:300]
    review.published_at = None
    review.save(update_fields=["status", "moderated_by", "moderated_at", "reject_reason", "published_at"])
    return review


def withdraw_review(actor: Actor, review: Review) -> Review:
    """The client takes their review back; it leaves the public page at once."""
    require(actor, Action.SUBMIT_REVIEW, review)
    if review.status == ReviewStatus.WITHDRAWN:
        return review
    review.status = ReviewStatus.WITHDRAWN
    review.withdrawn_at = clock.now()
    review.published_at = None
    review.save(update_fields=["status", "withdrawn_at", "published_at"])
    return review
