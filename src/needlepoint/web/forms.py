"""Form plumbing shared by the staff pages and the portal. Feature forms live in web/<feature>/forms.py."""

from __future__ import annotations

from typing import Any

from django import forms

from needlepoint.clinic.clinics.models import Clinic

# Native browser pickers; Django copies a widget per field, so one instance serves every form.
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ClinicScopedForm(forms.ModelForm):
    """Limits every clinic-owned choice to `clinic` and stamps new rows with it."""

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        for field in self.fields.values():
            qs = getattr(field, "queryset", None)
            if qs is not None and hasattr(qs.model, "clinic_id"):
                field.queryset = qs.filter(clinic=clinic)  # type: ignore[attr-defined]
        self.instance.clinic = clinic


def note_field(label: str | None = None, *, max_length: int = 2000) -> forms.CharField:
    """An optional free-text answer in a two-row box, the shape every notes/reason field takes."""
    return forms.CharField(
        label=label, required=False, max_length=max_length, widget=forms.Textarea(attrs={"rows": 2})
    )
