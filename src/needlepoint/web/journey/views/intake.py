"""Intake: staff entry, and the client-facing tablet mode a staff member opens for the client."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from needlepoint.clinic.clients.selectors import client_for_read
from needlepoint.clinic.intake import selectors
from needlepoint.clinic.intake.data import from_json
from needlepoint.clinic.intake.models import IntakeSource
from needlepoint.clinic.intake.services import IntakeInvalid, submit_intake
from needlepoint.clinic.permissions import Action
from needlepoint.clinic.sensitivity import reads_clinical, rows, shown
from needlepoint.protocol import default_protocol, sides
from needlepoint.web.access import ALL_STAFF, CLINICAL, staff_view
from needlepoint.web.client_forms import IntakeForm
from needlepoint.web.errors import apply_to_form
from needlepoint.web.photo_response import photo_response

from .common import ctx, membership, now


def _intake_form(request: HttpRequest, client_pk: int, *, tablet: bool) -> HttpResponse:
    client = client_for_read(ctx(request), client_pk)
    protocol = default_protocol()
    previous = selectors.latest_intake(client)
    # A new version starts from the last one's answers: only for staff who may read them.
    prefill = previous is not None and not tablet and reads_clinical(membership(request))
    initial = _initial_from(previous) if prefill else None
    form = IntakeForm(request.POST or None, request.FILES or None, protocol=protocol, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            intake = submit_intake(
                client,
                form.to_data(),
                source=IntakeSource.TABLET if tablet else IntakeSource.STAFF,
                now=now(),
                actor=membership(request),
                protocol=protocol,
                photos=form.photos(),
            )
        except IntakeInvalid as exc:
            apply_to_form(form, exc)
        else:
            if tablet:
                return render(request, "intake/tablet_done.html", {"client": client, "intake": intake})
            messages.success(request, f"Intake version {intake.version} saved.")
            return redirect("intake-detail", intake_pk=intake.pk)
    template = "intake/tablet.html" if tablet else "intake/form.html"
    return render(
        request,
        template,
        {"form": form, "client": client, "previous": previous, "tablet": tablet},
        status=400 if form.errors else 200,
    )


def _initial_from(intake: object) -> dict[str, object]:
    """A new version starts from the last one (staff review and change what is different)."""
    data = from_json(intake)
    initial: dict[str, object] = {
        "fitzpatrick": data.fitzpatrick,
        "allergies": data.allergies,
        "other_conditions": data.other_conditions,
        "other_medications": data.other_medications,
        "goals": data.goals,
    }
    for code in data.conditions:
        initial[f"cond_{code}"] = True
    for m in data.medications:
        initial[f"med_{m.code}"] = "stopped" if m.stopped_on else "current"
        initial[f"med_{m.code}_stopped"] = m.stopped_on
    for i, s in enumerate(data.skin_state[:3]):
        initial.update({f"state_{i}_where": s.where, f"state_{i}_code": s.code, f"state_{i}_since": s.since})
    for a in data.areas:
        base, side = sides.split(a.area)
        initial[f"area_{base}"] = a.indication
        initial[f"grade_{base}"] = a.goodman_baron_grade
        initial[f"side_{base}"] = side or ""
    return initial


@staff_view(action=Action.SUBMIT_INTAKE)
def intake_create(request: HttpRequest, client_pk: int) -> HttpResponse:
    return _intake_form(request, client_pk, tablet=False)


@staff_view(action=Action.SUBMIT_INTAKE)
def intake_tablet(request: HttpRequest, client_pk: int) -> HttpResponse:
    """The client fills this in on a clinic tablet: client wording, no staff navigation."""
    return _intake_form(request, client_pk, tablet=True)


@staff_view(*ALL_STAFF)
def intake_detail(request: HttpRequest, intake_pk: int) -> HttpResponse:
    """Front desk sees that the intake exists (version, date, plans from it); its answers and
    photos are for owners and practitioners (clinic/sensitivity.py)."""
    intake = selectors.intake_for_read(ctx(request), intake_pk)
    reader = membership(request)
    common = {
        "intake": shown(reader, intake),
        "client": intake.client,
        "plans": intake.plans.order_by("-created_at"),
    }
    if not reads_clinical(reader):
        return render(request, "intake/detail.html", common | {"clinical": False})
    protocol = default_protocol()
    d = protocol.data
    data = from_json(intake)
    return render(
        request,
        "intake/detail.html",
        common
        | {
            "clinical": True,
            "conditions": [d.conditions[c].name if c in d.conditions else c for c in data.conditions],
            "medications": [
                (d.medications[m.code].name if m.code in d.medications else m.code, m.stopped_on)
                for m in data.medications
            ],
            "states": [
                (
                    protocol.area_name(s.where),
                    d.skin_states[s.code].name if s.code in d.skin_states else s.code,
                    s.since,
                )
                for s in data.skin_state
            ],
            "areas": [
                (
                    protocol.area_name(a.area),
                    d.indications[a.indication].name if a.indication in d.indications else a.indication,
                    a.goodman_baron_grade,
                )
                for a in data.areas
            ],
            "photos": [
                (p, protocol.area_name(p.area))
                for p in rows(reader, "intake.IntakePhoto", intake.photos.all())
            ],
        },
    )


@staff_view(*CLINICAL)  # photos are clinical (clinic/sensitivity.py)
def intake_photo(request: HttpRequest, photo_pk: int) -> HttpResponse:
    """A client's intake photo (?size=thumb for the small one); the read is logged."""
    photo = selectors.photo_for_read(ctx(request), photo_pk)
    return photo_response(request, photo.image)
