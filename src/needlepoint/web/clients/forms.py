"""The client record form, and the small forms of archiving and merging."""

from __future__ import annotations

from typing import Any

from django import forms

from needlepoint.clinic.clients import phones
from needlepoint.clinic.clients.models import Client
from needlepoint.inputs import MAX_ID
from needlepoint.web.forms import DATE, ClinicScopedForm, HardenedForm


class ClientForm(ClinicScopedForm):
    """The date of birth and phone rules are the model's (Client.clean), run by the form."""

    class Meta:
        model = Client
        fields = [
            "first_name",
            "last_name",
            "date_of_birth",
            "email",
            "phone",
            "fitzpatrick",
            "preferred_location",
            "consent_email",
            "consent_sms",
        ]
        widgets = {
            "date_of_birth": DATE,
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region = phones.default_region(self.clinic)
        self.fields["phone"].help_text = (
            f"Numbers without a country code are read as {region} numbers; "
            "others start with + and the country code."
        )
        if self.instance.pk is not None and self.instance.phone:
            self.initial["phone"] = phones.display(self.instance.phone, region)  # as people type it


class DuplicateConfirmForm(HardenedForm):
    """The explicit "these are different people" of a create that matched stored clients."""

    confirm_duplicate = forms.BooleanField(
        required=False, label="I have checked: this is a different person, create the record anyway"
    )


class MergeForm(HardenedForm):
    other = forms.IntegerField(min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)
    confirm = forms.BooleanField(
        label="Move every record of the duplicate onto the kept client and archive the duplicate"
    )
