"""Forms of treatment day: numbing, chart entries, signing, addenda, photos, lots, comparison.

They only shape input; the treatment services decide, and their refusals are put back on the
named field (``needlepoint.web.errors.apply_to_form``). Choices come from the protocol, the plan
and the clinic's own rows (scoped to the clinic and the appointment's location).
"""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

from needlepoint.clinic.booking.models import Appointment
from needlepoint.clinic.clinics.models import Clinic, Device, Location
from needlepoint.clinic.treatments import protocol_rules
from needlepoint.clinic.treatments.models import Chart, ChartEntry, Lot
from needlepoint.clinic.treatments.vocab import REACTION_CHOICES, Endpoint, LotKind, PhotoPhase, PhotoView
from needlepoint.web.forms import DATE, TIME, HardenedForm


def _lot_label(lot: Lot) -> str:
    return f"{lot.product_name} · lot {lot.lot_number} · exp. {lot.expiry:%d %b %Y} · {lot.remaining} left"


class LotChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return _lot_label(obj)


def _area_choices(codes: list[str]) -> list[tuple[str, str]]:
    return [(c, protocol_rules.area_name(c)) for c in codes]


class NumbingForm(HardenedForm):
    prefix = "numbing"  # several forms share a page: distinct ids

    areas = forms.MultipleChoiceField(label="Numbed areas", widget=forms.CheckboxSelectMultiple)
    applied_time = forms.TimeField(
        label="Applied at (local time)", required=False, widget=TIME, help_text="Empty: now."
    )
    agent = forms.ChoiceField(label="Anaesthetic")
    amount_g = forms.DecimalField(
        label="Amount (g)",
        required=False,
        max_digits=4,
        decimal_places=1,
        min_value=Decimal("0"),
        help_text="Empty: the protocol's 1 g per 10 cm² of the areas.",
    )
    notes = forms.CharField(required=False, max_length=300)

    def __init__(self, *args: Any, areas: list[str], default_agent: str, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"areas": areas, "agent": default_agent})
        super().__init__(*args, **kwargs)
        self.fields["areas"].choices = _area_choices(areas)  # type: ignore[attr-defined]
        self.fields["agent"].choices = protocol_rules.agent_choices()  # type: ignore[attr-defined]

    def applied_at(self, location: Location, now: datetime) -> datetime | None:
        """The local time on the location's current date, as an instant (None: now)."""
        t: time | None = self.cleaned_data.get("applied_time")
        if t is None:
            return None
        zone = ZoneInfo(location.timezone)
        return datetime.combine(now.astimezone(zone).date(), t).replace(tzinfo=zone)


class ChartEntryForm(HardenedForm):
    prefix = "entry"  # several forms share a page: distinct ids

    area = forms.ChoiceField()
    device = forms.ModelChoiceField(queryset=Device.objects.none())
    cartridge_lot = LotChoiceField(queryset=Lot.objects.none(), label="Needle cartridge (lot)")
    depth_mm = forms.DecimalField(
        label="Depth used (mm)",
        required=False,
        max_digits=3,
        decimal_places=2,
        help_text="Empty: the recommended depth.",
    )
    override_reason = forms.CharField(
        label="Reason for a depth other than recommended",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    passes = forms.IntegerField(validators=[MinValueValidator(1), MaxValueValidator(20)], initial=3)
    product_lot = LotChoiceField(queryset=Lot.objects.none(), required=False, label="Serum / product (lot)")
    endpoint = forms.ChoiceField(label="Clinical end point", choices=Endpoint.choices)
    pain_score = forms.IntegerField(
        label="Pain (0–10)", validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    reactions = forms.MultipleChoiceField(
        label="Immediate reactions",
        required=False,
        choices=REACTION_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )
    reaction_notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(
        self,
        *args: Any,
        clinic: Clinic,
        appointment: Appointment,
        areas: list[str],
        usable: dict[str, list[Lot]],
        recommended: dict[str, Decimal],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        labels = {
            c: f"{name} (recommended {recommended[c]} mm)" if c in recommended else name
            for c, name in _area_choices(areas)
        }
        self.fields["area"].choices = list(labels.items())  # type: ignore[attr-defined]
        devices = Device.objects.for_clinic(clinic).filter(location=appointment.location, is_active=True)
        self.fields["device"].queryset = devices  # type: ignore[attr-defined]
        if appointment.device_id:
            self.fields["device"].initial = appointment.device_id
        all_lots = Lot.objects.for_clinic(clinic).filter(location=appointment.location)
        # Every lot of the location validates (so a stale page gets the service's clear refusal
        # of an expired or recalled lot); only usable ones are offered.
        for name, kind in (("cartridge_lot", LotKind.CARTRIDGE), ("product_lot", LotKind.PRODUCT)):
            field = self.fields[name]
            field.queryset = all_lots.filter(kind=kind)  # type: ignore[attr-defined]
            blank = [("", "—")] if not field.required else [("", "Choose…")]
            field.widget.choices = blank + [(str(lot.pk), _lot_label(lot)) for lot in usable[kind]]


class SignForm(HardenedForm):
    """The confirmation before a signature that cannot be undone. There is no name to type: the
    service signs as the signed-in member (the page shows the name it will record)."""

    prefix = "sign"  # several forms share a page: distinct ids

    confirm = forms.BooleanField(
        label=(
            "I performed and checked this treatment; the chart locks and the session completes "
            "when signed."
        ),
        error_messages={"required": "Tick the box to confirm: a signed chart cannot be changed."},
    )

    def __init__(self, *args: Any, practitioner: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if practitioner:  # an owner signing for someone else attests to what they checked
            self.fields["confirm"].label = (
                f"I checked this treatment, performed by {practitioner}; the chart locks and the "
                "session completes when signed."
            )


class AddendumForm(HardenedForm):
    prefix = "addendum"  # several forms share a page: distinct ids

    entry = forms.ModelChoiceField(
        queryset=ChartEntry.objects.none(), required=False, label="Corrects the entry"
    )
    text = forms.CharField(label="Addendum", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)

    def __init__(self, *args: Any, chart: Chart | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["entry"].queryset = chart.entries.all() if chart else ChartEntry.objects.none()  # type: ignore[attr-defined]


class PhotoForm(HardenedForm):
    prefix = "photo"  # several forms share a page: distinct ids

    area = forms.ChoiceField()
    view = forms.ChoiceField(choices=PhotoView.choices)
    phase = forms.ChoiceField(choices=PhotoPhase.choices, widget=forms.RadioSelect, initial=PhotoPhase.BEFORE)
    image = forms.FileField(
        label="Photo", widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"})
    )

    def __init__(self, *args: Any, areas: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = _area_choices(areas)  # type: ignore[attr-defined]


class LotReceiveForm(HardenedForm):
    location = forms.ModelChoiceField(queryset=Location.objects.none())
    kind = forms.ChoiceField(choices=LotKind.choices)
    product_name = forms.CharField(max_length=120)
    lot_number = forms.CharField(max_length=60)
    expiry = forms.DateField(widget=DATE)
    quantity = forms.IntegerField(label="Units received", min_value=1, max_value=100_000)
    notes = forms.CharField(required=False, max_length=300)

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = Location.objects.for_clinic(clinic).filter(is_active=True)  # type: ignore[attr-defined]


class LotUseForm(HardenedForm):
    prefix = "use"  # several forms share a page: distinct ids

    quantity = forms.IntegerField(label="Units written off", min_value=1, max_value=100_000, initial=1)


class RecallForm(HardenedForm):
    prefix = "recall"  # several forms share a page: distinct ids

    reason = forms.CharField(label="Recall reason", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class CompareForm(HardenedForm):
    first = forms.TypedChoiceField(coerce=int, label="Earlier session")
    second = forms.TypedChoiceField(coerce=int, label="Later session")
    area = forms.ChoiceField()
    view = forms.ChoiceField(choices=PhotoView.choices)

    def __init__(self, *args: Any, sessions: list[tuple[int, str]], areas: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["first"].choices = sessions  # type: ignore[attr-defined]
        self.fields["second"].choices = sessions  # type: ignore[attr-defined]
        self.fields["area"].choices = _area_choices(areas)  # type: ignore[attr-defined]


