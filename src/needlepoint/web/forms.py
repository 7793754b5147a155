"""Form plumbing shared by the staff pages and the portal. Feature forms live in web/<feature>/forms.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model

from needlepoint import inputs
from needlepoint.clinic.clinics.models import Clinic

# Native browser pickers; Django copies a widget per field, so one instance serves every form.
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _plausible_date(value: Any) -> None:
    day = value.date() if hasattr(value, "date") else value
    if day is not None and not inputs.plausible_date(day):
        raise ValidationError(inputs.DATE_RANGE_MESSAGE, code="date_range")


def _name(value: str) -> None:
    if problem := inputs.name_problem(value):
        raise ValidationError(problem, code="name")


def _single_line(value: str) -> None:
    if problem := inputs.single_line_problem(value):
        raise ValidationError(problem, code="single_line")


class _IdChoices:
    """Mixed into a model choice field: a submitted id that cannot be a database id ('٣', 2^64)
    is an invalid choice, answered before the lookup (which would overflow the driver)."""

    to_field_name: str | None
    empty_values: list[Any]
    error_messages: dict[str, str]

    def _refuse_non_ids(self, value: Any) -> None:
        if self.to_field_name:
            return
        for v in value if isinstance(value, list | tuple) else [value]:
            if v in self.empty_values or isinstance(v, Model):
                continue
            if inputs.parse_id(v) is None:
                code = "invalid_pk_value" if "invalid_pk_value" in self.error_messages else "invalid_choice"
                raise ValidationError(self.error_messages[code], code=code, params={"pk": v, "value": v})

    def to_python(self, value: Any) -> Any:
        self._refuse_non_ids(value)
        return super().to_python(value)  # type: ignore[misc]

    def _check_values(self, value: Any) -> Any:
        self._refuse_non_ids(value)
        return super()._check_values(value)  # type: ignore[misc]


_ID_CHOICE_CLASSES: dict[type, type] = {}


def _with_id_check(field: forms.ModelChoiceField) -> None:
    cls = type(field)
    if issubclass(cls, _IdChoices):
        return
    if cls not in _ID_CHOICE_CLASSES:
        _ID_CHOICE_CLASSES[cls] = type(f"IdChecked{cls.__name__}", (_IdChoices, cls), {})
    field.__class__ = _ID_CHOICE_CLASSES[cls]


def _is_name(field_name: str) -> bool:
    return field_name == "name" or field_name.endswith("_name")


def harden_fields(form: forms.BaseForm) -> None:
    """The bounds every field of a kind needs, whatever form it is on: dates within 1900..2199
    (date.max plus a day or a zone offset overflows), names not blank, single-line text without
    control characters (CR/LF, ESC, U+2028…). Textareas keep their line breaks. Model choices
    refuse what cannot be an id before looking it up."""
    for field_name, field in form.fields.items():
        if isinstance(field, forms.ModelChoiceField):
            _with_id_check(field)
        elif isinstance(field, forms.DateField | forms.DateTimeField | forms.SplitDateTimeField):
            field.validators.append(_plausible_date)
        elif isinstance(field, forms.CharField) and not isinstance(
            field.widget, forms.Textarea | forms.PasswordInput
        ):
            field.validators.append(_name if _is_name(field_name) else _single_line)


class HardenedForm(forms.Form):
    """A plain form whose fields get `harden_fields`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        harden_fields(self)


class HardenedModelForm(forms.ModelForm):
    """A model form whose fields get `harden_fields`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        harden_fields(self)


class ClinicScopedForm(HardenedModelForm):
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
