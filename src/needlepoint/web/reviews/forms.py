"""Review moderation forms."""

from __future__ import annotations

from django import forms


class RejectForm(forms.Form):
    reason = forms.CharField(max_length=300, label="Reason (the client sees it)")
