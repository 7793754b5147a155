"""Portal pages where a client reviews a finished series, sees moderation and may withdraw."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from needlepoint.clinic.audit.services import record_access
from needlepoint.clinic.booking.models import Series
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.permissions import ClientActor
from needlepoint.clinic.reviews import selectors, services
from needlepoint.clinic.reviews.models import Review
from needlepoint.clinic.reviews.services import MAX_TEXT, ReviewError
from needlepoint.portal.session import client_view, portal_context
from needlepoint.web.errors import apply_to_form
from needlepoint.web.forms import HardenedForm

T = TypeVar("T")


class ReviewForm(HardenedForm):
    rating = forms.TypedChoiceField(
        choices=[(str(i), f"{i} star{'s' if i > 1 else ''}") for i in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
        label="Your rating",
    )
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), max_length=MAX_TEXT, label="Your review")
    display_name = forms.CharField(
        max_length=60, required=False, label="Name shown with the review",
        help_text="Leave blank to show your first name and initial.",
    )


def _client(request: HttpRequest) -> Client:
    client: Client = request.portal_client  # type: ignore[attr-defined]
    return client


def _own(lookup: Callable[[], T], missing: type[ObjectDoesNotExist], what: str) -> T:
    """The client's own object; another client's answers 404 like one that does not exist."""
    try:
        return lookup()
    except missing as exc:
        raise Http404(f"No such {what}.") from exc


@client_view
def reviews(request: HttpRequest) -> HttpResponse:
    client = _client(request)
    record_access(portal_context(request, client), client=client, action="portal-reviews")
    return render(
        request,
        "portal/reviews.html",
        {
            "clinic": client.clinic,
            "client": client,
            "reviewable": selectors.reviewable_series(client),
            "reviews": list(selectors.client_reviews(client)),
        },
    )


@client_view
def write(request: HttpRequest, series_pk: int) -> HttpResponse:
    client = _client(request)
    series = _own(lambda: selectors.client_series(client, series_pk), Series.DoesNotExist, "series")
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.submit_review(ClientActor(client), series, **form.cleaned_data)
        except ReviewError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, "Thank you. Your review will appear once the clinic has read it.")
            return redirect("portal-reviews", slug=client.clinic.slug)
    return render(
        request,
        "portal/review_write.html",
        {"clinic": client.clinic, "client": client, "series": series, "form": form,
         "treatment": selectors.treatment_label(series)},
        status=400 if form.errors else 200,
    )


@require_POST
@client_view
def withdraw(request: HttpRequest, review_pk: int) -> HttpResponse:
    client = _client(request)
    review = _own(lambda: selectors.client_review(client, review_pk), Review.DoesNotExist, "review")
    try:
        services.withdraw_review(ClientActor(client), review)
    except ReviewError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Your review has been withdrawn.")
    return redirect("portal-reviews", slug=client.clinic.slug)


urlpatterns = [
    path("reviews/", reviews, name="portal-reviews"),
    path("reviews/series/<int:series_pk>/", write, name="portal-review-write"),
    path("reviews/<int:review_pk>/withdraw/", withdraw, name="portal-review-withdraw"),
]
