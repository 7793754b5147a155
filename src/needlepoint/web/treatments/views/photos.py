"""Treatment photos: served through a logged, clinical-only view (never a public media URL),
and a side-by-side / slider comparison of any two sessions of a client."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from needlepoint.clinic.audit.services import AccessContext, record_access
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.photos import photo_response
from needlepoint.clinic.treatments import protocol_rules, selectors
from needlepoint.web.access import CLINICAL, clinic_of, staff_view
from needlepoint.web.treatments.forms import CompareForm


@staff_view(*CLINICAL)
def treatment_photo(request: HttpRequest, photo_pk: int) -> HttpResponse:
    """The photo, or its stored thumbnail with ?size=thumb; the read is logged; never cached."""
    photo = selectors.photo_for_read(AccessContext.from_request(request), photo_pk)
    thumb = request.GET.get("size") == "thumb"
    response = photo_response(photo.thumbnail if thumb else photo.image)  # the thumbnail is a JPEG
    response["Content-Disposition"] = "inline"
    return response


@staff_view(*CLINICAL)
def photo_compare(request: HttpRequest, pk: int) -> HttpResponse:
    clinic = clinic_of(request)
    client = get_object_or_404(Client.objects.for_clinic(clinic), pk=pk)
    record_access(AccessContext.from_request(request), client=client, action="compare treatment photos")
    sessions = selectors.sessions_with_photos(clinic, client)
    photos = list(selectors.photos_of_client(clinic, client))
    areas = sorted({p.area for p in photos}, key=lambda a: protocol_rules.area_name(a))
    labels = [(s.pk, f"{s.start.astimezone(ZoneInfo(s.location.timezone)):%d %b %Y %H:%M}") for s in sessions]
    initial = {
        "first": sessions[0].pk if sessions else None,
        "second": sessions[-1].pk if sessions else None,
        "area": areas[0] if areas else None,
        "view": "front",
    }
    form = CompareForm(request.GET or None, sessions=labels, areas=areas, initial=initial)
    pair = None
    if sessions and areas:
        data = form.cleaned_data if form.is_bound and form.is_valid() else initial
        pair = selectors.photo_pair(
            clinic,
            client,
            first_appointment=int(data["first"]),  # type: ignore[arg-type]
            second_appointment=int(data["second"]),  # type: ignore[arg-type]
            area=str(data["area"]),
            view=str(data["view"]),
        )
    return render(
        request,
        "treatments/compare.html",
        {
            "client": client,
            "form": form,
            "pair": pair,
            "sessions": labels,
            "area_name": protocol_rules.area_name(pair.area) if pair else "",
            "status": 400 if form.is_bound and not form.is_valid() else 200,
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )
