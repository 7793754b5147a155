"""The forms a client fills in herself, on the staff tablet or in her portal: the intake
questionnaire and the consent signature. Shared by web/journey and the portal, like the
intake/_fields.html template; the services decide, these only shape input."""

from __future__ import annotations

from typing import Any

from django import forms

from needlepoint.clinic.clients.models import Fitzpatrick
from needlepoint.clinic.intake.data import (
    STATE_GROUPS,
    AreaEntry,
    IntakeData,
    MedicationEntry,
    SkinStateEntry,
)
from needlepoint.clinic.intake.services import MAX_PHOTOS, PhotoInput
from needlepoint.protocol import Protocol, sides
from needlepoint.web import body_map
from needlepoint.web.forms import DATE, HardenedForm, note_field

MED_STATUS = [("", "Not taking"), ("current", "Taking now"), ("stopped", "Stopped (give the date)")]
STATE_ROWS = 3
#: A paired area is treated on both sides unless the client or practitioner says one.
SIDE_CHOICES = [("", "Both sides"), ("left", "Left side only"), ("right", "Right side only")]
PHOTO_ROWS = MAX_PHOTOS


class IntakeForm(HardenedForm):
    """The intake questionnaire, in the client's words; fields named after protocol codes."""

    fitzpatrick = forms.TypedChoiceField(
        label="Your skin: how does it react to the sun?",
        choices=[("", "Choose…"), *Fitzpatrick.choices],
        coerce=int,
    )
    allergies = note_field(
        "Allergies (medicines, numbing creams such as lidocaine, metals, latex, skincare…)"
    )
    other_conditions = note_field("Other medical history we should know about")
    other_medications = note_field("Other medicines and supplements")
    goals = note_field("What would you like to change?")

    def __init__(self, *args: Any, protocol: Protocol, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.protocol = protocol
        d = protocol.data
        for code, spec in d.conditions.items():
            self.fields[f"cond_{code}"] = forms.BooleanField(label=spec.name, required=False)
        for code, spec in d.medications.items():
            self.fields[f"med_{code}"] = forms.ChoiceField(
                label=spec.name, choices=MED_STATUS, required=False
            )
            self.fields[f"med_{code}_stopped"] = forms.DateField(
                label=f"{spec.name}: stopped on", required=False, widget=DATE
            )
        where = [
            ("", "—"),
            *((c, protocol.area_name(c)) for c in protocol.area_codes()),
            *((r, f"Whole {d.regions[r].name.lower()}") for r in STATE_GROUPS if r in d.regions),
            ("all", "Everywhere"),
        ]
        states = [("", "—"), *((c, s.name) for c, s in d.skin_states.items())]
        for i in range(STATE_ROWS):
            self.fields[f"state_{i}_where"] = forms.ChoiceField(label="Where", choices=where, required=False)
            self.fields[f"state_{i}_code"] = forms.ChoiceField(label="What", choices=states, required=False)
            self.fields[f"state_{i}_since"] = forms.DateField(label="Since", required=False, widget=DATE)
        for code, area in d.areas.items():
            options = [("", "Not this area")] + [
                (ic, i.name) for ic, i in d.indications.items() if area.region in i.regions
            ]
            self.fields[f"area_{code}"] = forms.ChoiceField(label=area.name, choices=options, required=False)
            self.fields[f"grade_{code}"] = forms.TypedChoiceField(
                label=f"{area.name}: scar grade (staff)",
                choices=[("", "—"), (1, "1 macular"), (2, "2 mild"), (3, "3 moderate"), (4, "4 severe")],
                coerce=int,
                empty_value=None,
                required=False,
            )
            if area.paired:
                self.fields[f"side_{code}"] = forms.ChoiceField(
                    label=f"{area.name}: which side", choices=SIDE_CHOICES, required=False
                )
        # Optional photos of skin concerns; the service checks each file (Pillow) and the area.
        photo_areas = [("", "—"), *((c, protocol.area_name(c)) for c in protocol.area_codes())]
        for i in range(PHOTO_ROWS):
            self.fields[f"photo_{i}"] = forms.FileField(
                label=f"Photo {i + 1}",
                required=False,
                widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
            )
            self.fields[f"photo_{i}_area"] = forms.ChoiceField(
                label="Area", choices=photo_areas, required=False
            )
            self.fields[f"photo_{i}_caption"] = forms.CharField(label="Note", max_length=200, required=False)

    # --- layout helpers for the template ---
    def map_views(self) -> list[body_map.MapView]:
        return body_map.for_intake(self.protocol)

    def condition_fields(self) -> list[forms.BoundField]:
        return [self[f"cond_{c}"] for c in self.protocol.data.conditions]

    def medication_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"med_{c}"], self[f"med_{c}_stopped"]) for c in self.protocol.data.medications]

    def state_rows(self) -> list[tuple[forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [
            (self[f"state_{i}_where"], self[f"state_{i}_code"], self[f"state_{i}_since"])
            for i in range(STATE_ROWS)
        ]

    def area_rows(self) -> list[tuple[forms.BoundField, forms.BoundField, forms.BoundField | None]]:
        """(concern, scar grade, side or None for an area without sides) per protocol area."""
        return [
            (self[f"area_{c}"], self[f"grade_{c}"], self[f"side_{c}"] if f"side_{c}" in self.fields else None)
            for c in self.protocol.data.areas
        ]

    def photo_rows(self) -> list[tuple[forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [
            (self[f"photo_{i}"], self[f"photo_{i}_area"], self[f"photo_{i}_caption"])
            for i in range(PHOTO_ROWS)
        ]

    def photos(self) -> list[PhotoInput]:
        c = self.cleaned_data
        return [
            PhotoInput(c[f"photo_{i}"], c.get(f"photo_{i}_area") or "", c.get(f"photo_{i}_caption") or "")
            for i in range(PHOTO_ROWS)
            if c.get(f"photo_{i}")
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for code in self.protocol.data.medications:
            status, stopped = data.get(f"med_{code}"), data.get(f"med_{code}_stopped")
            if status == "stopped" and stopped is None and f"med_{code}_stopped" not in self.errors:
                self.add_error(f"med_{code}_stopped", "Give the date you stopped.")
            if status != "stopped" and stopped is not None:
                self.add_error(f"med_{code}", "Choose 'Stopped' to give a stop date.")
        for i in range(STATE_ROWS):
            where, what = data.get(f"state_{i}_where"), data.get(f"state_{i}_code")
            if bool(where) != bool(what):
                self.add_error(
                    f"state_{i}_code" if where else f"state_{i}_where",
                    "Choose both where and what, or neither.",
                )
        if not any(data.get(f"area_{c}") for c in self.protocol.data.areas):
            self.add_error(None, "Choose at least one area and what you would like to treat there.")
        return data

    def to_data(self) -> IntakeData:
        c = self.cleaned_data
        d = self.protocol.data
        return IntakeData(
            fitzpatrick=c["fitzpatrick"],
            conditions=tuple(code for code in d.conditions if c.get(f"cond_{code}")),
            medications=tuple(
                MedicationEntry(code, c.get(f"med_{code}_stopped") if c[f"med_{code}"] == "stopped" else None)
                for code in d.medications
                if c.get(f"med_{code}")
            ),
            skin_state=tuple(
                SkinStateEntry(c[f"state_{i}_where"], c[f"state_{i}_code"], c.get(f"state_{i}_since"))
                for i in range(STATE_ROWS)
                if c.get(f"state_{i}_where") and c.get(f"state_{i}_code")
            ),
            areas=tuple(
                AreaEntry(
                    sides.join(code, c.get(f"side_{code}") or None), c[f"area_{code}"], c.get(f"grade_{code}")
                )
                for code in d.areas
                if c.get(f"area_{code}")
            ),
            allergies=c.get("allergies", ""),
            other_conditions=c.get("other_conditions", ""),
            other_medications=c.get("other_medications", ""),
            goals=c.get("goals", ""),
        )


class ConsentSignForm(HardenedForm):
    typed_name = forms.CharField(label="Type your full name", max_length=200)
    signature = forms.CharField(widget=forms.HiddenInput, required=False, max_length=400_000)
    agree = forms.BooleanField(label="I have read this document and I consent to the treatment it describes.")
