"""The rota by practitioner: each one's week at a glance, and one page per practitioner to set
their whole week (per weekday a location and start/end times, up to two shifts a day), saved
through ``booking.services.set_weekly_rota`` (who may, the one-place-at-a-time rule, audit)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path

from needlepoint import clock
from needlepoint.clinic.accounts.models import Membership, Role
from needlepoint.clinic.booking.models import WeeklyShift
from needlepoint.clinic.booking.rota import WEEKDAY_NAMES
from needlepoint.clinic.booking.services import RotaOverlap, ShiftSpec, set_weekly_rota
from needlepoint.clinic.clinics.models import Clinic, Location
from needlepoint.clinic.errors import DomainError
from needlepoint.clinic.permissions import Action
from needlepoint.web.access import clinic_of, membership_of, staff_view
from needlepoint.web.errors import apply_to_form
from needlepoint.web.forms import TIME, HardenedForm, harden_fields

#: Shifts per day on the grid (more when the practitioner already has more on some day).
SHIFTS_PER_DAY = 2
TIME_ERRORS = {"invalid": "Enter a time like 09:00."}
KINDS = ("location", "start", "end")


def _name(day: int, kind: str, n: int) -> str:
    return f"d{day}_{kind}_{n}"


@dataclass(frozen=True)
class RotaRow:
    """One weekday of the grid, for the template."""

    day: int
    label: str
    shifts: list[tuple[forms.BoundField, forms.BoundField, forms.BoundField]]  # location, start, end
    errors: list[str]


class RotaWeekForm(HardenedForm):
    """A practitioner's week: per weekday up to two (location, start, end) shifts. Only shapes
    are checked here (a shift needs all three, ending after it starts); the rest is the
    service's."""

    def __init__(self, *args: Any, clinic: Clinic, shifts: list[WeeklyShift], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        by_day: dict[int, list[WeeklyShift]] = defaultdict(list)
        for existing in sorted(shifts, key=lambda s: (s.weekday, s.start)):
            by_day[existing.weekday].append(existing)
        self.slots = max([SHIFTS_PER_DAY, *(len(v) for v in by_day.values())])
        locations = Location.objects.for_clinic(clinic).filter(is_active=True).order_by("name")
        for day, label in enumerate(WEEKDAY_NAMES):
            for n in range(1, self.slots + 1):
                shift = by_day[day][n - 1] if n <= len(by_day[day]) else None
                again = f" (shift {n})" if n > 1 else ""
                self.fields[_name(day, "location", n)] = forms.ModelChoiceField(
                    queryset=locations,
                    required=False,
                    empty_label="Not working",
                    label=f"{label}{again}: location",
                    initial=shift.location_id if shift else None,
                )
                self.fields[_name(day, "start", n)] = forms.TimeField(
                    required=False, widget=TIME, label=f"{label}{again}: starts",
                    initial=shift.start if shift else None, error_messages=TIME_ERRORS,
                )
                self.fields[_name(day, "end", n)] = forms.TimeField(
                    required=False, widget=TIME, label=f"{label}{again}: ends",
                    initial=shift.end if shift else None, error_messages=TIME_ERRORS,
                )
        harden_fields(self)  # the fields above are added after HardenedForm's own pass
        self.specs: list[tuple[ShiftSpec, str]] = []  # each shift and its start field, after clean

    def rows(self) -> list[RotaRow]:
        out = []
        for day, label in enumerate(WEEKDAY_NAMES):
            slots = range(1, self.slots + 1)
            names = [_name(day, kind, n) for n in slots for kind in KINDS]
            out.append(
                RotaRow(
                    day=day,
                    label=label,
                    shifts=[tuple(self[_name(day, kind, n)] for kind in KINDS) for n in slots],  # type: ignore[misc]
                    errors=[str(e) for name in names for e in self.errors.get(name, [])],
                )
            )
        return out

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.specs = []
        for day, label in enumerate(WEEKDAY_NAMES):
            for n in range(1, self.slots + 1):
                names = [_name(day, kind, n) for kind in KINDS]
                if any(name in self.errors for name in names):
                    continue
                location, start, end = (data.get(name) for name in names)
                if location is None and start is None and end is None:
                    continue
                if location is None:
                    self.add_error(names[0], f"{label}: choose the location, or clear the times.")
                elif start is None:
                    self.add_error(names[1], f"{label}: give the start time too.")
                elif end is None:
                    self.add_error(names[2], f"{label}: give the end time too.")
                elif end <= start:
                    self.add_error(
                        names[2],
                        f"{label}: ends at {end:%H:%M}, which is not after it starts ({start:%H:%M}); "
                        "split a shift that crosses midnight in two.",
                    )
                else:
                    self.specs.append((ShiftSpec(day, location, start, end), names[1]))
        return data

    def add_overlap(self, exc: RotaOverlap) -> None:
        """The refusal goes on the start time of the later of the two shifts."""
        fields = {id(spec): name for spec, name in self.specs}
        self.add_error(fields.get(id(exc.second)), exc.message)


def _practitioners(clinic: Clinic) -> Any:
    members = Membership.objects.for_clinic(clinic).filter(role=Role.PRACTITIONER, is_active=True)
    return members.select_related("user")


@staff_view(action=Action.MANAGE_CLINIC)
def rota_index(request: HttpRequest) -> HttpResponse:
    clinic = clinic_of(request)
    practitioners = list(_practitioners(clinic))
    weeks: dict[int, dict[int, list[WeeklyShift]]] = defaultdict(lambda: defaultdict(list))
    for shift in (
        WeeklyShift.objects.for_clinic(clinic)
        .filter(practitioner__in=practitioners)
        .select_related("location")
        .order_by("weekday", "start")
    ):
        weeks[shift.practitioner_id][shift.weekday].append(shift)
    rows = [
        (p, [(WEEKDAY_NAMES[d], weeks[p.pk][d]) for d in range(7) if weeks[p.pk][d]]) for p in practitioners
    ]
    return render(request, "setup/rota_index.html", {"rows": rows})


@staff_view(action=Action.MANAGE_CLINIC)
def rota_edit(request: HttpRequest, pk: int) -> HttpResponse:
    clinic = clinic_of(request)
    practitioner = get_object_or_404(_practitioners(clinic), pk=pk)
    shifts = list(WeeklyShift.objects.filter(practitioner=practitioner).select_related("location"))
    form = RotaWeekForm(request.POST or None, clinic=clinic, shifts=shifts)
    if request.method == "POST" and form.is_valid():
        try:
            saved = set_weekly_rota(
                practitioner, [spec for spec, _ in form.specs], actor=membership_of(request), now=clock.now()
            )
        except RotaOverlap as exc:
            form.add_overlap(exc)
        except DomainError as exc:
            apply_to_form(form, exc)
        else:
            count = f"{len(saved)} shift{'' if len(saved) == 1 else 's'}"
            messages.success(request, f"Rota saved for {practitioner.name}: {count} a week.")
            return redirect("rota")
    return render(
        request,
        "setup/rota_form.html",
        {"form": form, "practitioner": practitioner},
        status=400 if form.errors else 200,
    )


urlpatterns = [
    path("rota/", rota_index, name="rota"),
    path("rota/<int:pk>/", rota_edit, name="rota-edit"),
]
