"""The one place a service's refusal (``DomainError``) becomes form errors, for staff pages and
the portal alike: each field error goes on its field when the form has it, the rest on the form."""

from __future__ import annotations

from django import forms

from needlepoint.clinic.errors import DomainError


def apply_to_form(form: forms.Form, exc: DomainError) -> None:
    placed = False
    for name, messages in exc.fields.items():
        target = name if name in form.fields else None
        for message in messages:
            form.add_error(target, message)
            placed = True
    if not placed:
        form.add_error(None, exc.message)
