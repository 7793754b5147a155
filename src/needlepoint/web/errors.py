"""The one place a service's refusal (``DomainError``) becomes form errors, for staff pages and
the portal alike: each field error goes on its field when the form has it, the rest on the form.
A refusal shown as a flash message is ``exc.message``."""

from __future__ import annotations

from django import forms

from needlepoint.clinic.errors import DomainError


def apply_to_form(form: forms.BaseForm, exc: DomainError) -> None:
    placed = False
    for name, messages in exc.fields.items():
        target = name if name in form.fields else None
        for message in messages:
            form.add_error(target, message)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


def messages_of(exc: DomainError) -> list[str]:
    """Every message of the refusal, for a page that lists them beside something not a form."""
    return [m for messages in exc.fields.values() for m in messages] or [exc.message]
