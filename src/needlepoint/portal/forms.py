"""Forms of the client portal. The intake questionnaire and the consent signature are the same
forms the staff tablet shows (web/client_forms.py); the rest are the portal's own."""

from __future__ import annotations

from django import forms

from needlepoint.web.client_forms import ConsentSignForm, IntakeForm
from needlepoint.web.forms import HardenedForm

__all__ = ["ConsentSignForm", "IntakeForm", "PortalCancelForm", "PortalLoginForm"]


class PortalLoginForm(HardenedForm):
    email = forms.EmailField(label="Your email address", max_length=254)


class PortalCancelForm(HardenedForm):
    reason = forms.CharField(label="Why are you cancelling? (optional)", required=False, max_length=200)
