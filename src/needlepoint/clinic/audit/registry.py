"""Which models' writes go to the audit trail (django-auditlog)."""

from __future__ import annotations

from collections.abc import Sequence

from auditlog.registry import auditlog
from django.db import models

AUDITED: list[type[models.Model]] = []


def register_audited(*model_classes: type[models.Model], exclude_fields: Sequence[str] = ()) -> None:
    for model in model_classes:
        # Reverse one-to-ones (a series' review, an appointment's chart) are not this row's data,
        # and reading them in the diff costs a query on every insert (booking's hot path).
        reverse_one_to_one = [
            f.name for f in model._meta.get_fields() if f.one_to_one and f.auto_created and not f.concrete
        ]
        auditlog.register(model, exclude_fields=[*exclude_fields, *reverse_one_to_one])
        AUDITED.append(model)
