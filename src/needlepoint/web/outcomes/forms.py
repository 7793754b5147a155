"""Forms for outcome scores, adverse events, analytics filters and review moderation.

Plain forms (not ModelForms): the services own the writes and their rules."""

from __future__ import annotations

from typing import Any

from django import forms

from needlepoint.clinic.booking.models import Appointment
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.outcomes.analytics import DIMENSIONS
from needlepoint.clinic.outcomes.models import EventSource, EventStatus, EventType, Severity
from needlepoint.clinic.outcomes.scoring import SATISFACTION, SCORED, scale_name
from needlepoint.protocol.scales import default_scales
from needlepoint.web.forms import HardenedForm

DATE = forms.DateInput(attrs={"type": "date"})


def _blank(choices: Any, label: str = "any") -> list[tuple[str, str]]:
    return [("", label), *choices]


class EventFilterForm(HardenedForm):
    status = forms.ChoiceField(choices=_blank(EventStatus.choices), required=False)
    type = forms.ChoiceField(choices=_blank(EventType.choices), required=False)
    severity = forms.ChoiceField(choices=_blank(Severity.choices), required=False)
    origin = forms.ChoiceField(choices=_blank(EventSource.choices), required=False, label="Source")
    since = forms.DateField(required=False, widget=DATE, label="Opened from")
    until = forms.DateField(required=False, widget=DATE, label="Opened until")


class EventForm(HardenedForm):
    """Staff entry of an adverse event for a client (optionally linked to one of their sessions)."""

    type = forms.ChoiceField(choices=EventType.choices)
    severity = forms.ChoiceField(choices=Severity.choices, initial=Severity.MODERATE)
    onset = forms.DateField(required=False, widget=DATE)
    appointment = forms.ModelChoiceField(
        queryset=Appointment.objects.none(), required=False, label="Session"
    )
    area = forms.CharField(max_length=60, required=False, help_text="Protocol area code, e.g. cheeks")
    lot_code = forms.CharField(max_length=80, required=False, label="Cartridge lot")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    treatment_given = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args: Any, client: Client, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["appointment"]
        field.queryset = (  # type: ignore[attr-defined]
            Appointment.objects.for_clinic(client.clinic_id).filter(client=client).order_by("-start")
        )
        field.label_from_instance = lambda a: f"{a.start:%Y-%m-%d %H:%M} UTC — {a.get_status_display()}"  # type: ignore[attr-defined]


class EventUpdateForm(HardenedForm):
    type = forms.ChoiceField(choices=EventType.choices)
    severity = forms.ChoiceField(choices=Severity.choices)
    area = forms.CharField(max_length=60, required=False)
    treatment_given = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class TaskForm(HardenedForm):
    title = forms.CharField(max_length=200, label="Follow-up task")
    due_on = forms.DateField(required=False, widget=DATE, label="Due")


class ResolveForm(HardenedForm):
    resolution = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    resolved_on = forms.DateField(required=False, widget=DATE)


def _level_choices(code: str) -> list[tuple[str, str]]:
    s = default_scales().scales[code]
    return _blank([(str(k), f"{k} — {v.label}") for k, v in s.levels.items()], "not scored")


class ScoreForm(HardenedForm):
    """One area's scores at one session; every scale is optional (blank = not scored)."""

    area = forms.CharField(max_length=60, help_text="Protocol area code, e.g. cheeks")
    indication = forms.CharField(max_length=60, required=False)
    goodman_baron_qualitative = forms.TypedChoiceField(
        choices=_level_choices("goodman_baron_qualitative"), coerce=int, empty_value=None, required=False
    )
    goodman_baron_quantitative = forms.IntegerField(min_value=0, max_value=84, required=False)
    gais = forms.TypedChoiceField(
        choices=_level_choices("gais"), coerce=int, empty_value=None, required=False
    )
    posas_observer = forms.IntegerField(min_value=6, max_value=60, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code in SCORED:
            if code in self.fields:
                self.fields[code].label = scale_name(code)
        self.fields["goodman_baron_quantitative"].help_text = "Total 0–84 (acne scars)"
        self.fields["gais"].help_text = "Texture, lines, stretch marks: change since the first session"
        self.fields["posas_observer"].help_text = "Stretch marks / scars: sum of six items, 6–60"

    def scores(self) -> dict[str, int]:
        return {c: v for c in SCORED if c != SATISFACTION and (v := self.cleaned_data.get(c)) is not None}


class SatisfactionForm(HardenedForm):
    client_satisfaction = forms.TypedChoiceField(
        choices=_level_choices(SATISFACTION), coerce=int, empty_value=None, required=False,
        label="Client-reported satisfaction",
    )


class AnalyticsForm(HardenedForm):
    by = forms.ChoiceField(choices=list(DIMENSIONS.items()), required=False, label="Group by")
    scale = forms.ChoiceField(
        choices=[(c, scale_name(c)) for c in SCORED if c != SATISFACTION],
        required=False,
        label="Improvement on",
    )
    since = forms.DateField(required=False, widget=DATE, label="Sessions from")
    until = forms.DateField(required=False, widget=DATE, label="Sessions until")
