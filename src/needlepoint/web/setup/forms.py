"""Clinic set-up forms: locations, rooms, devices, clinic settings, staff. Choice fields that
point at clinic-owned rows only offer the active clinic's (ClinicScopedForm)."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password

from needlepoint.clinic.accounts.models import Membership, Role, User
from needlepoint.clinic.clinics.models import Clinic, Device, Location, Room
from needlepoint.web.forms import ClinicScopedForm


class LocationForm(ClinicScopedForm):
    opening_hours = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text='JSON, local times: {"mon": [["09:00", "17:30"]], "sat": [["10:00", "14:00"]]}',
    )

    class Meta:
        model = Location
        fields = [
            "name",
            "timezone",
            "address_line1",
            "address_line2",
            "city",
            "postcode",
            "country",
            "phone",
            "opening_hours",
            "is_active",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound and self.instance.pk:
            self.initial["opening_hours"] = json.dumps(self.instance.opening_hours)

    def clean_opening_hours(self) -> dict[str, Any]:
        raw = (self.cleaned_data.get("opening_hours") or "").strip()
        if not raw:
            return {}
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(f"Not valid JSON: {exc.msg} (line {exc.lineno}).") from exc
        return value


class RoomForm(ClinicScopedForm):
    class Meta:
        model = Room
        fields = ["location", "name", "is_active"]


class DeviceForm(ClinicScopedForm):
    class Meta:
        model = Device
        fields = ["location", "name", "make", "model", "kind", "max_depth_mm", "serial_number", "is_active"]


class ClinicSettingsForm(forms.ModelForm):
    class Meta:
        model = Clinic
        fields = ["name", "currency", "locale", "require_two_factor"]


class MembershipForm(ClinicScopedForm):
    class Meta:
        model = Membership
        fields = ["role", "display_name", "locations", "is_active"]
        widgets = {"locations": forms.CheckboxSelectMultiple}


class NewStaffForm(MembershipForm):
    """Adds a person to the clinic: an existing account by email, or a new one with a password."""

    email = forms.EmailField()
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    password = forms.CharField(
        widget=forms.PasswordInput,
        required=False,
        help_text="Needed only for a new account; at least 10 characters.",
    )

    class Meta(MembershipForm.Meta):
        fields = ["email", "first_name", "last_name", "password", "role", "display_name", "locations"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        email = (data.get("email") or "").lower()
        user = User.objects.filter(email=email).first()
        if user is not None:
            if Membership.objects.filter(user=user, clinic=self.clinic).exists():
                self.add_error("email", "This person is already on the staff of this clinic.")
        elif not data.get("password"):
            self.add_error("password", "A new account needs a password.")
        else:
            try:
                validate_password(data["password"], User(email=email))
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        self.existing_user = user
        return data

    def save(self, commit: bool = True) -> Membership:
        data = self.cleaned_data
        user = self.existing_user or User.objects.create_user(
            email=data["email"],
            password=data["password"],
            first_name=data.get("first_name", ""),
            last_name=data.get("last_name", ""),
        )
        self.instance.user = user
        return super().save(commit=commit)


ROLE_CHOICES = Role.choices
