"""Record outcome scores for one session: per area, and the client's satisfaction."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from needlepoint.clinic.booking.models import Appointment
from needlepoint.clinic.outcomes import selectors, services
from needlepoint.clinic.outcomes.scoring import SATISFACTION
from needlepoint.clinic.outcomes.services import OutcomeError
from needlepoint.clinic.permissions import Action
from needlepoint.web.access import clinic_of, membership_of, staff_view
from needlepoint.web.appointment_access import staff_appointment
from needlepoint.web.errors import apply_to_form
from needlepoint.web.outcomes.forms import SatisfactionForm, ScoreForm


def _planned_areas(appt: Appointment) -> list[tuple[str, str]]:
    plan = appt.series.plan if appt.series_id and appt.series else None
    if plan is None:
        return []
    return [(a.area, a.indication) for a in plan.areas.order_by("position")]


@staff_view(action=Action.RECORD_OUTCOME)
def session_scores(request: HttpRequest, appointment_pk: int) -> HttpResponse:
    clinic = clinic_of(request)
    appt = staff_appointment(request, appointment_pk, "outcome_scores")
    existing = [s for s in selectors.client_scores(clinic, appt.client) if s.appointment_id == appt.pk]
    areas = _planned_areas(appt)
    form = ScoreForm(request.POST or None, initial={"area": areas[0][0] if areas else "",
                                                    "indication": areas[0][1] if areas else ""})
    satisfaction = SatisfactionForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and satisfaction.is_valid():
        by = membership_of(request)
        try:
            with transaction.atomic():
                d = form.cleaned_data
                for scale, value in form.scores().items():
                    services.record_score(clinic, actor=by, appointment=appt, scale=scale, value=value,
                                          area=d["area"], indication=d["indication"])
                sat = satisfaction.cleaned_data.get(SATISFACTION)
                if sat is not None:
                    services.record_score(clinic, actor=by, appointment=appt, scale=SATISFACTION, value=sat)
        except OutcomeError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, "Scores saved.")
            return redirect("outcome-scores", appointment_pk=appt.pk)
    status = 400 if form.errors or satisfaction.errors else 200
    return render(
        request,
        "outcomes/scores.html",
        {"appt": appt, "form": form, "satisfaction": satisfaction, "existing": existing, "areas": areas},
        status=status,
    )
