"""Review moderation: the queue, one review, publish or reject (owners; clients write reviews
in the portal). Through clinic.reviews.services."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router

from needlepoint.clinic.audit.services import record_access
from needlepoint.clinic.reviews import selectors, services
from needlepoint.clinic.reviews.models import Review

from ..auth import requires
from ..context import access, actor, clinic
from ..pagination import PageParams, paginate
from ..schemas.common import Page, responses
from ..schemas.outcomes import RejectIn, ReviewOut

router = Router(tags=["reviews"])
READ = requires("reviews:read")
MODERATE = requires("reviews:write")


def _review(request: HttpRequest, pk: int, action: str = "view review") -> Review:
    review = get_object_or_404(Review.objects.for_clinic(clinic(request)).select_related("client"), pk=pk)
    record_access(access(request), client=review.client, action=action)
    return review


@router.get("/reviews", response=responses(Page[ReviewOut]), auth=READ)
def list_reviews(
    request: HttpRequest,
    page: Query[PageParams],
    status: Literal["pending", "published", "rejected", "withdrawn", "any"] = "pending",
) -> dict[str, Any]:
    """The moderation queue (pending by default; `any` for all), oldest first."""
    wanted = "" if status == "any" else status
    qs = selectors.moderation_queue(clinic(request), status=wanted).order_by("submitted_at", "pk")
    record_access(access(request), client=None, action="list reviews")
    return paginate(qs, page, lambda r: r)


@router.get("/reviews/{review_id}", response=responses(ReviewOut), auth=READ)
def get_review(request: HttpRequest, review_id: int) -> Review:
    return _review(request, review_id)


@router.post("/reviews/{review_id}/publish", response=responses(ReviewOut), auth=MODERATE)
def publish(request: HttpRequest, review_id: int) -> Review:
    """Publish as written (nobody edits a review's rating or text)."""
    return services.publish_review(_review(request, review_id, "moderate review"), actor=actor(request))


@router.post("/reviews/{review_id}/reject", response=responses(ReviewOut), auth=MODERATE)
def reject(request: HttpRequest, review_id: int, payload: RejectIn) -> Review:
    """Keep it off the public page; the reason is shown to the client."""
    review = _review(request, review_id, "moderate review")
    return services.reject_review(review, actor=actor(request), reason=payload.reason)
