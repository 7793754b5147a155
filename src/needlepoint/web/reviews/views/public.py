"""The public reviews page of a clinic (no sign-in): published reviews only, with the
"results may vary" notice and the treatment each review concerns."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from needlepoint.clinic.clinics.models import Clinic
from needlepoint.clinic.reviews import selectors


def public_reviews(request: HttpRequest, slug: str) -> HttpResponse:
    clinic = get_object_or_404(Clinic, slug=slug)
    return render(
        request,
        "reviews/public.html",
        {
            "clinic": clinic,
            "reviews": list(selectors.published_reviews(clinic)[:200]),
            "summary": selectors.public_summary(clinic),
        },
    )
