"""Checking a drawn signature: a PNG data URL from a <canvas>, of sensible size, with ink on it."""

from __future__ import annotations

import base64
import binascii
import io

from PIL import Image, ImageOps, UnidentifiedImageError

from needlepoint.clinic.errors import InvalidInput

PREFIX = "data:image/png;base64,"
MAX_BYTES = 200_000
MAX_SIDE = 3000
MIN_INK_PIXELS = 30
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class SignatureInvalid(InvalidInput, ValueError):
    """The drawn signature cannot be used; the message says what to do (sign again…)."""


def decode_signature(data_url: str) -> bytes:
    """The PNG bytes, or SignatureInvalid with a message a person can act on."""
    data_url = (data_url or "").strip()
    if not data_url:
        raise SignatureInvalid("Please sign in the box with your finger or the mouse.")
    if not data_url.startswith(PREFIX):
        raise SignatureInvalid("The signature must be a PNG image drawn in the box.")
    encoded = data_url[len(PREFIX) :]
    if len(encoded) > MAX_BYTES * 4 // 3 + 4:
        raise SignatureInvalid("The signature image is too large.")
    try:
        png = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SignatureInvalid("The signature image is damaged; please sign again.") from exc
    if len(png) > MAX_BYTES:
        raise SignatureInvalid("The signature image is too large.")
    if not png.startswith(PNG_MAGIC):
        raise SignatureInvalid("The signature must be a PNG image drawn in the box.")
    try:
        with Image.open(io.BytesIO(png)) as probe:
            probe.verify()
        with Image.open(io.BytesIO(png)) as img:
            if img.format != "PNG":
                raise SignatureInvalid("The signature must be a PNG image drawn in the box.")
            width, height = img.size
            if not (20 <= width <= MAX_SIDE and 20 <= height <= MAX_SIDE):
                raise SignatureInvalid("The signature image has an unexpected size.")
            ink = _ink_pixels(img)
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise SignatureInvalid("The signature image is damaged; please sign again.") from exc
    if ink < MIN_INK_PIXELS:
        raise SignatureInvalid("The signature box is empty; please sign in it.")
    return png


def _ink_pixels(img: Image.Image) -> int:
    rgba = img.convert("RGBA")
    alpha = rgba.getchannel("A")
    lowest = alpha.getextrema()[0]
    if isinstance(lowest, int | float) and lowest < 255:  # transparent canvas: ink is what is opaque
        return sum(alpha.point(lambda v: 255 if v > 64 else 0).histogram()[255:])
    # Opaque canvas (white background): ink is what is dark.
    dark = ImageOps.invert(rgba.convert("L")).point(lambda v: 255 if v > 64 else 0)
    return sum(dark.histogram()[255:])
