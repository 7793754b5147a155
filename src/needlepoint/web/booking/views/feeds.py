"""Practitioners' calendar feeds: a secret URL their calendar app polls (it cannot sign in)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from needlepoint import clock
from needlepoint.clinic.booking import selectors
from needlepoint.clinic.booking.models import CalendarFeed
from needlepoint.interop import ical
from needlepoint.web.access import CLINICAL, membership_of, staff_view


@staff_view(*CLINICAL)
def my_feed(request: HttpRequest) -> HttpResponse:
    feed = CalendarFeed.objects.filter(practitioner=membership_of(request)).first()
    url = request.build_absolute_uri(reverse("calendar-feed", kwargs={"token": feed.token})) if feed else None
    return render(request, "booking/my_feed.html", {"feed_url": url})


@require_POST
@staff_view(*CLINICAL)
def my_feed_reset(request: HttpRequest) -> HttpResponse:
    """Creates the feed, or replaces its secret (the old URL stops working at once)."""
    membership = membership_of(request)
    CalendarFeed.objects.update_or_create(
        practitioner=membership, defaults={"clinic": membership.clinic, "token": CalendarFeed.new_token()}
    )
    messages.success(request, "New calendar link created. Add it to your calendar app.")
    return redirect("my-feed")


def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    feed = (
        CalendarFeed.objects.filter(token=token)
        .select_related("practitioner__clinic", "practitioner__user")
        .first()
    )
    if feed is None or not feed.practitioner.is_active:
        raise Http404("No such calendar.")
    practitioner = feed.practitioner
    body = ical.practitioner_feed(
        selectors.practitioner_feed_appointments(practitioner, clock.now()),
        name=f"{practitioner.name} — {practitioner.clinic.name}",
        now=clock.now(),
    )
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")
