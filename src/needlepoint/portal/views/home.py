"""The client's home page (plan in plain language, sessions, documents) and the online intake."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from needlepoint import clock
from needlepoint.clinic.audit.services import record_access
from needlepoint.clinic.booking.models import Appointment, AppointmentStatus
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.consent.selectors import current_document, signatures_of_client
from needlepoint.clinic.intake.models import IntakeSource
from needlepoint.clinic.intake.selectors import latest_intake, photo_for_read
from needlepoint.clinic.intake.services import IntakeInvalid, submit_intake
from needlepoint.clinic.permissions import ClientActor
from needlepoint.clinic.plans.models import TreatmentPlan
from needlepoint.clinic.plans.selectors import current_plan, engine_plan
from needlepoint.clinic.pricing.services import MissingPrice, quote_for_plan
from needlepoint.portal.forms import IntakeForm
from needlepoint.portal.session import client_view, portal_context
from needlepoint.protocol import default_protocol
from needlepoint.web import body_map
from needlepoint.web.errors import apply_to_form
from needlepoint.web.photo_response import photo_response


def upcoming(client: Client) -> list[tuple[Appointment, object]]:
    """The client's coming appointments with their local start (the location's time zone)."""
    appts = (
        Appointment.objects.for_clinic(client.clinic_id)
        .filter(client=client, start__gte=clock.now())
        .exclude(status=AppointmentStatus.CANCELLED)
        .select_related("location", "appointment_type")
        .order_by("start")
    )
    return [(a, a.start.astimezone(ZoneInfo(a.location.timezone))) for a in appts]


def plan_summary(plan: TreatmentPlan) -> dict[str, object]:
    engine = engine_plan(plan)
    return {
        "plan": plan,
        "engine": engine,
        "areas": plan.areas.order_by("position"),
        "highlighted_risks": [r for r in engine.risks if r.highlighted],
        "map": body_map.build(
            states=dict.fromkeys(plan.areas.values_list("area", flat=True), "planned"),
            views=("face", "body-front", "body-back"),
        ),
    }


@client_view
def home(request: HttpRequest) -> HttpResponse:
    client: Client = request.portal_client  # type: ignore[attr-defined]
    record_access(portal_context(request, client), client=client, action="portal-home")
    plan = current_plan(client)
    intake = latest_intake(client)
    to_sign = None
    quote = None
    if plan is not None:
        doc = current_document(plan)
        if doc is not None and not hasattr(doc, "signature"):
            to_sign = doc
        try:
            quote = quote_for_plan(plan)
        except MissingPrice:
            quote = None
    return render(
        request,
        "portal/home.html",
        {
            "client": client,
            "clinic": client.clinic,
            "summary": plan_summary(plan) if plan else None,
            "appointments": upcoming(client),
            "signatures": signatures_of_client(client.clinic_id, client.pk),
            "to_sign": to_sign,
            "quote": quote,
            "intake": intake,
            "intake_photos": intake.photos.all() if intake else [],
        },
    )


@client_view
def intake(request: HttpRequest) -> HttpResponse:
    client: Client = request.portal_client  # type: ignore[attr-defined]
    form = IntakeForm(request.POST or None, request.FILES or None, protocol=default_protocol())
    if request.method == "POST" and form.is_valid():
        try:
            saved = submit_intake(
                client,
                form.to_data(),
                actor=ClientActor(client),
                source=IntakeSource.PORTAL,
                now=clock.now(),
                photos=form.photos(),
            )
        except IntakeInvalid as exc:
            apply_to_form(form, exc)
        else:
            messages.success(
                request,
                f"Thank you: your answers are saved (version {saved.version}). "
                "Your practitioner will review them before your treatment.",
            )
            return redirect("portal-home", slug=client.clinic.slug)
    return render(
        request,
        "portal/intake.html",
        {"form": form, "client": client, "clinic": client.clinic},
        status=400 if form.errors else 200,
    )


@client_view
def intake_photo(request: HttpRequest, photo_pk: int) -> HttpResponse:
    """One of the signed-in client's own intake photos (another's is a 404); the read is logged."""
    client: Client = request.portal_client  # type: ignore[attr-defined]
    photo = photo_for_read(portal_context(request, client), photo_pk, client=client)
    return photo_response(request, photo.image)
