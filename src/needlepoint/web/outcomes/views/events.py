"""Adverse events: the filtered list, CSV export, staff entry, and one event's follow-up."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from needlepoint.clinic.audit.services import AccessContext, record_access
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.outcomes import selectors, services
from needlepoint.clinic.outcomes.models import AdverseEvent, FollowUpTask
from needlepoint.clinic.outcomes.services import OutcomeError
from needlepoint.clinic.permissions import Action
from needlepoint.interop import csv_writer
from needlepoint.web.access import CLINICAL, clinic_of, membership_of, staff_view
from needlepoint.web.errors import apply_to_form
from needlepoint.web.outcomes.forms import EventFilterForm, EventForm, EventUpdateForm, ResolveForm, TaskForm
from needlepoint.web.query import INVALID, query_id

CSV_COLUMNS = [
    "id", "opened_utc", "client_id", "client", "session_id", "session_start_utc", "practitioner",
    "type", "symptoms", "severity", "onset", "area", "device", "lot", "origin", "source",
    "status", "resolved_on", "open_tasks", "description", "treatment_given", "resolution",
]  # fmt: skip


def _filters(request: HttpRequest) -> tuple[EventFilterForm, selectors.EventFilters | None]:
    """The form and its filters; None filters when the client id cannot be one (nothing matches)."""
    form = EventFilterForm(request.GET or None)
    data: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    client = query_id(request, "client")
    if client is INVALID:
        return form, None
    return form, selectors.EventFilters(
        status=data.get("status") or "",
        type=data.get("type") or "",
        severity=data.get("severity") or "",
        origin=data.get("origin") or "",
        client_id=client,
        since=data.get("since"),
        until=data.get("until"),
    )


def _events(request: HttpRequest, filters: selectors.EventFilters | None) -> QuerySet[AdverseEvent]:
    qs = selectors.adverse_events(clinic_of(request), filters or selectors.EventFilters())
    return qs if filters is not None else qs.none()


@staff_view(*CLINICAL)
def event_list(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    qs = _events(request, filters)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    record_access(AccessContext.from_request(request), client=None, action="adverse_events")
    query = request.GET.copy()
    query.pop("page", None)
    status = 400 if form.errors else 200
    context = {"page": page, "form": form, "query": query.urlencode()}
    return render(request, "outcomes/events.html", context, status=status)


@staff_view(*CLINICAL)
def event_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as CSV (UTF-8 with BOM so spreadsheet apps read accents)."""
    form, filters = _filters(request)
    if form.errors:
        return HttpResponse(f"Bad filter: {form.errors.as_text()}", status=400, content_type="text/plain")
    qs = _events(request, filters).prefetch_related("tasks")
    record_access(AccessContext.from_request(request), client=None, action="adverse_events_export")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="adverse-events.csv"'
    response.write("\ufeff")
    writer = csv_writer.writer(response)  # clients' own words: formula-like text is neutralised
    writer.writerow(CSV_COLUMNS)
    for e in qs:
        appt = e.appointment
        row = [
            e.pk, e.created_at.isoformat(), e.client_id, e.client.full_name,
            appt.pk if appt else "", appt.start.isoformat() if appt else "",
            appt.practitioner.name if appt else "",
            e.type, e.symptoms, e.severity, e.onset or "", e.area, e.device.name if e.device else "",
            e.lot_code, e.origin, e.source, e.status, e.resolved_on or "",
            sum(1 for t in e.tasks.all() if t.done_at is None),
            e.description, e.treatment_given, e.resolution,
        ]  # fmt: skip
        writer.writerow(row)
    return response


@staff_view(action=Action.OPEN_ADVERSE_EVENT)
def event_create(request: HttpRequest, client_pk: int) -> HttpResponse:
    clinic = clinic_of(request)
    client = get_object_or_404(Client.objects.for_clinic(clinic), pk=client_pk)
    record_access(AccessContext.from_request(request), client=client, action="adverse_event_create")
    form = EventForm(request.POST or None, client=client)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            event = services.open_adverse_event(
                clinic,
                client=client,
                source="staff",
                type=d["type"],
                severity=d["severity"],
                appointment=d["appointment"],
                onset=d["onset"],
                area=d["area"],
                description=d["description"],
                treatment_given=d["treatment_given"],
                actor=membership_of(request),
                lot_code=d["lot_code"],
            )
        except OutcomeError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, "Adverse event recorded.")
            return redirect("adverse-event-detail", pk=event.pk)
    status = 400 if form.errors else 200
    return render(request, "outcomes/event_form.html", {"form": form, "client": client}, status=status)


def _event(request: HttpRequest, pk: int) -> AdverseEvent:
    try:
        event = selectors.adverse_event(clinic_of(request), pk)
    except AdverseEvent.DoesNotExist as exc:
        raise Http404("No such adverse event.") from exc
    record_access(AccessContext.from_request(request), client=event.client, action="adverse_event")
    return event


@staff_view(action=Action.MANAGE_ADVERSE_EVENT)
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """GET shows the event; POST ``action`` = update | add_task | resolve | reopen."""
    event = _event(request, pk)
    by = membership_of(request)
    fields = ("type", "severity", "area", "treatment_given")
    update = EventUpdateForm(initial={f: getattr(event, f) for f in fields})
    task_form, resolve_form = TaskForm(), ResolveForm()
    action = request.POST.get("action", "") if request.method == "POST" else ""
    try:
        if action == "update":
            update = EventUpdateForm(request.POST)
            if update.is_valid():
                services.update_adverse_event(event, actor=by, **update.cleaned_data)
                messages.success(request, "Saved.")
                return redirect("adverse-event-detail", pk=pk)
        elif action == "add_task":
            task_form = TaskForm(request.POST)
            if task_form.is_valid():
                services.add_follow_up(event, actor=by, **task_form.cleaned_data)
                return redirect("adverse-event-detail", pk=pk)
        elif action == "resolve":
            resolve_form = ResolveForm(request.POST)
            if resolve_form.is_valid():
                services.resolve_adverse_event(event, actor=by, **resolve_form.cleaned_data)
                messages.success(request, "Event resolved.")
                return redirect("adverse-event-detail", pk=pk)
        elif action == "reopen":
            services.reopen_adverse_event(event, actor=by)
            return redirect("adverse-event-detail", pk=pk)
        elif action:
            return HttpResponse("Unknown action.", status=400, content_type="text/plain")
    except OutcomeError as exc:
        messages.error(request, exc.message)
        bad = True
    else:
        bad = bool(action)
    event.refresh_from_db()
    return render(
        request,
        "outcomes/event_detail.html",
        {
            "event": event,
            "tasks": list(event.tasks.all()),
            "update": update,
            "task_form": task_form,
            "resolve_form": resolve_form,
        },
        status=400 if bad else 200,
    )


@require_POST
@staff_view(action=Action.MANAGE_ADVERSE_EVENT)
def task_done(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        task = selectors.follow_up_task(clinic_of(request), pk)
    except FollowUpTask.DoesNotExist as exc:
        raise Http404("No such task.") from exc
    services.complete_follow_up(task, actor=membership_of(request))
    return redirect("adverse-event-detail", pk=task.event_id)
