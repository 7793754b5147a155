"""Which models' writes go to the audit trail (django-auditlog)."""

from __future__ import annotations

from collections.abc import Sequence

from auditlog.registry import auditlog
from django.db import models

AUDITED: list[type[models.Model]] = []


def register_audited(*model_classes: type[models.Model], exclude_fields: Sequence[str] = ()) -> None:
    for model in model_classes:
        auditlog.register(model, exclude_fields=list(exclude_fields))
        AUDITED.append(model)
