"""Staff forms of the client journey: plan, screening acknowledgement, prices (the forms the
client fills in herself, intake and consent signature, are in web/client_forms.py). Choices come
from the protocol data, never from hard-coded lists, and the forms only shape input: the services
decide (and their errors are put back on the fields)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django import forms

from needlepoint.clinic.clinics.models import Clinic, Device
from needlepoint.clinic.plans.engine import AreaChoice
from needlepoint.clinic.plans.models import TreatmentPlan
from needlepoint.clinic.plans.selectors import plan_rows, requested_entry
from needlepoint.clinic.plans.services import Schedule
from needlepoint.clinic.pricing.models import PriceList
from needlepoint.protocol import DEPTH_CEILING_MM, DEPTH_FLOOR_MM, Protocol
from needlepoint.web.forms import DATE, HardenedForm, HardenedModelForm, note_field

PACKAGE_ROWS = 3


class PlanStartForm(HardenedForm):
    device = forms.ModelChoiceField(
        queryset=Device.objects.none(), help_text="Its maximum depth caps every area."
    )
    start_date = forms.DateField(
        required=False, widget=DATE, help_text="First day the course may start (blank: today)."
    )
    numbing = forms.BooleanField(required=False, initial=True, label="Numbing cream")
    numbing_agent = forms.ChoiceField(required=False, label="Numbing cream")

    def __init__(self, *args: Any, clinic: Clinic, protocol: Protocol, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["device"].queryset = Device.objects.for_clinic(clinic).filter(is_active=True)  # type: ignore[attr-defined]
        agents = protocol.data.numbing.agents
        default = protocol.data.numbing.default_agent
        self.fields["numbing_agent"].choices = [  # type: ignore[attr-defined]
            ("", f"Clinic default ({agents[default].name})"),
            *((c, a.name) for c, a in agents.items() if c != default),
        ]


class PlanEditForm(HardenedForm):
    """Per intake area: plan it or not, concern, depth (with a reason when it differs from the
    recommendation), then the series and the price."""

    sessions = forms.IntegerField(min_value=1, max_value=24)
    gap_min_days = forms.IntegerField(label="Shortest gap (days)", min_value=1, max_value=400)
    gap_max_days = forms.IntegerField(label="Longest gap (days)", min_value=1, max_value=400)
    first_earliest = forms.DateField(label="First session: earliest", widget=DATE)
    first_latest = forms.DateField(label="First session: latest", widget=DATE)
    schedule_reason = note_field("Reason for a different series")
    price = forms.DecimalField(
        required=False,
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0"),
        label="Agreed price",
        help_text="Blank: from the clinic's price list (follows the areas and sessions).",
    )
    notes = forms.CharField(required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, plan: TreatmentPlan, protocol: Protocol, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plan = plan
        d = protocol.data
        planned = {a.area: a for a in plan.areas.all()}
        self.area_codes = plan_rows(plan, planned)
        self.area_names = {c: protocol.area_name(c) for c in self.area_codes}
        requested = self.requested = {c: requested_entry(plan, c) or {} for c in self.area_codes}
        for code in self.area_codes:
            region = protocol.area(code).region if protocol.is_area(code) else ""
            row = planned.get(code)
            self.fields[f"include_{code}"] = forms.BooleanField(
                label="Plan", required=False, initial=row is not None
            )
            self.fields[f"indication_{code}"] = forms.ChoiceField(
                label="Concern",
                choices=[(ic, i.name) for ic, i in d.indications.items() if region in i.regions],
                initial=row.indication if row else requested[code]["indication"],
            )
            self.fields[f"depth_{code}"] = forms.DecimalField(
                label="Depth (mm)",
                required=False,
                max_digits=3,
                decimal_places=2,
                min_value=DEPTH_FLOOR_MM,
                max_value=DEPTH_CEILING_MM,
                initial=row.depth_mm if row else None,
                widget=forms.NumberInput(attrs={"step": "0.05"}),
            )
            self.fields[f"reason_{code}"] = forms.CharField(
                label="Reason", required=False, max_length=1000, initial=row.override_reason if row else ""
            )
            self.fields[f"area_{code}"] = forms.CharField(required=False, widget=forms.HiddenInput)
            if protocol.is_area(code) and protocol.area(code).paired and "." not in code:
                # Scars are rarely symmetric: plan each side with its own depth.
                self.fields[f"split_{code}"] = forms.BooleanField(label="Each side apart", required=False)
        if not self.is_bound:
            self.initial.update(
                {
                    "sessions": plan.sessions,
                    "gap_min_days": plan.gap_min_days,
                    "gap_max_days": plan.gap_max_days,
                    "first_earliest": plan.first_earliest,
                    "first_latest": plan.first_latest,
                    "schedule_reason": plan.schedule_reason,
                    # Only an agreed price is shown: a blank one follows the sessions and the list.
                    "price": plan.price if plan.price_agreed else None,
                    "notes": plan.notes,
                }
            )
        self.planned = planned

    def area_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "code": c,
                "name": self.area_names[c],
                "row": self.planned.get(c),
                "area": self[f"area_{c}"],
                "include": self[f"include_{c}"],
                "indication": self[f"indication_{c}"],
                "depth": self[f"depth_{c}"],
                "reason": self[f"reason_{c}"],
                "split": self[f"split_{c}"] if f"split_{c}" in self.fields else None,
            }
            for c in self.area_codes
        ]

    SCHEDULE = (
        "sessions",
        "gap_min_days",
        "gap_max_days",
        "first_earliest",
        "first_latest",
        "schedule_reason",
        "price",
        "notes",
    )

    def schedule_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.SCHEDULE]

    def choices(self) -> list[AreaChoice]:
        c = self.cleaned_data
        requested = self.requested
        out: list[AreaChoice] = []
        for code in self.area_codes:
            if not c.get(f"include_{code}"):
                continue
            indication = c[f"indication_{code}"]
            grade = requested[code].get("goodman_baron_grade")
            prev = self.planned.get(code)
            depth = c.get(f"depth_{code}")
            if prev is not None and prev.indication != indication:
                depth = None  # a new concern starts from its own recommendation
            grade = grade if indication == requested[code]["indication"] else None
            if c.get(f"split_{code}"):
                # Both sides start from the depth and reason given for the whole area.
                out.extend(
                    AreaChoice(f"{code}.{side}", indication, grade, depth, c.get(f"reason_{code}", ""))
                    for side in ("left", "right")
                )
                continue
            out.append(AreaChoice(code, indication, grade, depth, c.get(f"reason_{code}", "")))
        return out

    def schedule(self) -> Schedule:
        c = self.cleaned_data
        return Schedule(
            c["sessions"],
            c["gap_min_days"],
            c["gap_max_days"],
            c["first_earliest"],
            c["first_latest"],
            c.get("schedule_reason", ""),
        )


class AcknowledgeForm(HardenedForm):
    note = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class CancelPlanForm(HardenedForm):
    reason = forms.CharField(max_length=300)


class PriceListForm(HardenedModelForm):
    class Meta:
        model = PriceList
        fields = ["laser_course_price", "laser_course_label", "quote_valid_days", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(
        self,
        *args: Any,
        protocol: Protocol,
        prices: Mapping[str, Decimal],
        packages: list[dict[str, Any]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.protocol = protocol
        for code, spec in protocol.data.areas.items():
            self.fields[f"price_{code}"] = forms.DecimalField(
                label=spec.name,
                required=False,
                max_digits=10,
                decimal_places=2,
                min_value=Decimal("0"),
                initial=prices.get(code),
            )
        for i in range(PACKAGE_ROWS):
            p = packages[i] if i < len(packages) else {}
            self.fields[f"package_{i}_name"] = forms.CharField(
                label="Package", required=False, max_length=80, initial=p.get("name")
            )
            self.fields[f"package_{i}_sessions"] = forms.IntegerField(
                label="Sessions", required=False, min_value=2, max_value=12, initial=p.get("sessions")
            )
            self.fields[f"package_{i}_discount"] = forms.DecimalField(
                label="Discount %",
                required=False,
                max_digits=5,
                decimal_places=2,
                min_value=Decimal("0"),
                max_value=Decimal("100"),
                initial=p.get("discount_percent"),
            )

    def price_fields(self) -> list[forms.BoundField]:
        return [self[f"price_{c}"] for c in self.protocol.data.areas]

    def package_rows(self) -> list[tuple[forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [
            (self[f"package_{i}_name"], self[f"package_{i}_sessions"], self[f"package_{i}_discount"])
            for i in range(PACKAGE_ROWS)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        seen: set[int] = set()
        for i in range(PACKAGE_ROWS):
            name, sessions, discount = (
                data.get(f"package_{i}_{k}") for k in ("name", "sessions", "discount")
            )
            filled = [v not in (None, "") for v in (name, sessions, discount)]
            if (
                any(filled)
                and not all(filled)
                and not any(f"package_{i}_{k}" in self.errors for k in ("name", "sessions", "discount"))
            ):
                self.add_error(
                    f"package_{i}_name", "Give the package a name, a number of sessions and a discount."
                )
            if sessions is not None and all(filled):
                if sessions in seen:
                    self.add_error(f"package_{i}_sessions", "Two packages have this number of sessions.")
                seen.add(sessions)
        return data

    def area_prices(self) -> dict[str, Decimal | None]:
        return {c: self.cleaned_data.get(f"price_{c}") for c in self.protocol.data.areas}

    def packages(self) -> list[dict[str, Any]]:
        c = self.cleaned_data
        return [
            {
                "name": c[f"package_{i}_name"],
                "sessions": c[f"package_{i}_sessions"],
                "discount_percent": c[f"package_{i}_discount"],
            }
            for i in range(PACKAGE_ROWS)
            if c.get(f"package_{i}_name")
            and c.get(f"package_{i}_sessions") is not None
            and c.get(f"package_{i}_discount") is not None
        ]
