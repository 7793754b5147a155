"""Review moderation forms."""

from __future__ import annotations

from django import forms

from needlepoint.web.forms import HardenedForm


class RejectForm(HardenedForm):
    reason = forms.CharField(max_length=300, label="Reason (the client sees it)")
