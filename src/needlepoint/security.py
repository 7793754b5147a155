"""Start-up guards for serving."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def refuse_demo_key_in_production() -> None:
    if settings.SECRET_KEY_IS_DEMO and not settings.SERVING_ALLOWED_WITH_DEMO_KEY:
        raise ImproperlyConfigured(
            "Set NEEDLEPOINT_SECRET_KEY to a long random value (or NEEDLEPOINT_DEMO=1 for a local demo)."
        )
