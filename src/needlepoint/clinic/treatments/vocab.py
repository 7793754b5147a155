"""Fixed vocabularies of the treatment record: clinical endpoints, immediate reactions, photo views.

Codes are stored; labels are shown. A reaction flagged ``adverse`` opens an adverse event when
the chart is signed (expected reactions such as erythema and oedema do not).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models


class LotKind(models.TextChoices):
    CARTRIDGE = "cartridge", "Needle cartridge (single-use)"
    PRODUCT = "product", "Serum / product"


class Endpoint(models.TextChoices):
    """The clinical end point the practitioner worked to (ALSTER2018)."""

    ERYTHEMA = "erythema", "Erythema"
    UNIFORM_ERYTHEMA = "uniform_erythema", "Uniform erythema"
    PINPOINT_BLEEDING = "pinpoint_bleeding", "Pinpoint bleeding"
    ERYTHEMA_AND_BLEEDING = "erythema_pinpoint_bleeding", "Erythema with pinpoint bleeding"
    STOPPED_EARLY = "stopped_early", "Stopped before the end point"


@dataclass(frozen=True)
class Reaction:
    code: str
    label: str
    adverse: bool
    severity: str = "moderate"
    #: The outcomes app's adverse-event type an adverse reaction opens.
    event_type: str = "other"


REACTIONS: tuple[Reaction, ...] = (
    Reaction("erythema", "Erythema (expected)", adverse=False),
    Reaction("oedema", "Oedema / swelling (expected)", adverse=False),
    Reaction("pinpoint_bleeding", "Pinpoint bleeding (expected)", adverse=False),
    Reaction("bruising", "Bruising", adverse=False),
    Reaction("excessive_bleeding", "Excessive bleeding", adverse=True, event_type="bleeding"),
    Reaction("urticaria", "Urticaria / allergic reaction", adverse=True, event_type="allergic_reaction"),
    Reaction(
        "anaesthetic_toxicity",
        "Signs of anaesthetic toxicity",
        adverse=True,
        severity="severe",
        event_type="anaesthetic_reaction",
    ),
    Reaction("vasovagal", "Vasovagal episode (fainting)", adverse=True),
    Reaction("burning_pain", "Intense burning or pain", adverse=True, severity="mild"),
)
REACTION_BY_CODE = {r.code: r for r in REACTIONS}
REACTION_CHOICES = [(r.code, r.label) for r in REACTIONS]


class PhotoView(models.TextChoices):
    FRONT = "front", "Front"
    LEFT_45 = "left_45", "Left 45°"
    RIGHT_45 = "right_45", "Right 45°"
    LEFT_90 = "left_90", "Left profile (90°)"
    RIGHT_90 = "right_90", "Right profile (90°)"
    CLOSE_UP = "close_up", "Close-up"


class PhotoPhase(models.TextChoices):
    BEFORE = "before", "Before"
    AFTER = "after", "After"
