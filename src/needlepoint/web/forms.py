"""Form plumbing shared by the staff pages and the portal. Feature forms live in web/<feature>/forms.py."""

from __future__ import annotations

from typing import Any

from django import forms

from needlepoint.clinic.clinics.models import Clinic


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
