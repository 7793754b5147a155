"""The client record form."""

from __future__ import annotations

from needlepoint.clinic.clients.models import Client
from needlepoint.web.forms import DATE, ClinicScopedForm


class ClientForm(ClinicScopedForm):
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
        widgets = {"date_of_birth": DATE}
