"""Owners moderate client reviews: publish or reject with a reason. The text is never editable."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from needlepoint.clinic.audit.services import AccessContext, record_access
from needlepoint.clinic.permissions import Action
from needlepoint.clinic.reviews import selectors, services
from needlepoint.clinic.reviews.models import Review, ReviewStatus
from needlepoint.clinic.reviews.services import ReviewError
from needlepoint.web.access import clinic_of, membership_of, staff_view

from ..forms import RejectForm


@staff_view(action=Action.MODERATE_REVIEW)
def moderation(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", ReviewStatus.PENDING)
    status = status if status in ReviewStatus.values or status == "" else ReviewStatus.PENDING
    page = Paginator(selectors.moderation_queue(clinic_of(request), status=status), 30).get_page(
        request.GET.get("page")
    )
    record_access(AccessContext.from_request(request), client=None, action="reviews")
    return render(
        request,
        "reviews/moderation.html",
        {"page": page, "status": status, "statuses": ReviewStatus.choices, "reject_form": RejectForm()},
    )


def _review(request: HttpRequest, pk: int) -> Review:
    try:
        return selectors.review(clinic_of(request), pk)
    except Review.DoesNotExist as exc:
        raise Http404("No such review.") from exc


@require_POST
@staff_view(action=Action.MODERATE_REVIEW)
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    try:
        services.publish_review(review, actor=membership_of(request))
    except ReviewError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Review published.")
    return redirect("review-moderation")


@require_POST
@staff_view(action=Action.MODERATE_REVIEW)
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the reason for rejecting (the client sees it).")
        return redirect("review-moderation")
    try:
        services.reject_review(review, actor=membership_of(request), reason=form.cleaned_data["reason"])
    except ReviewError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Review rejected.")
    return redirect("review-moderation")
