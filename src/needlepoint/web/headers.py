"""Security headers on every response: Content-Security-Policy and Permissions-Policy (issue 21,
"Session and headers"; OWASP ASVS 14.4). Referrer-Policy is Django's SecurityMiddleware's
(SECURE_REFERRER_POLICY, default "same-origin").

The policy allows no inline script and no inline style: behaviour lives in static files
(`data-autosubmit` → autosubmit.js, the calendar's block geometry → calendar.js sets it from
data attributes through the CSSOM, which CSP does not restrict), styles in app.css and page CSS
files. tests/security/test_headers.py scans the templates so none creeps back.

Settings (needlepoint/settings.py), read per request so tests and deployments can change them:
- ``CONTENT_SECURITY_POLICY``: directive → value, the default for every path.
- ``CONTENT_SECURITY_POLICY_PATHS``: (path prefix, {directive: value}) pairs whose directives
  replace the default's for paths under the prefix; the first match wins. /api/docs (Swagger
  UI, which sets inline styles) is one. A future online-booking embed opens `frame-ancestors`
  here for its own route only, e.g. ("/book/", {"frame-ancestors": "https://clinic.example"}),
  and exempts that view from X-Frame-Options (`xframe_options_exempt`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from django.conf import settings
from django.http import HttpRequest, HttpResponse

DEFAULT_POLICY: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data: blob:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
PATH_POLICIES: list[tuple[str, dict[str, str]]] = [
    # Swagger UI (developer docs) styles its widgets with style attributes.
    ("/api/docs", {"style-src": "'self' 'unsafe-inline'"}),
]
# Nothing here uses these browser features. Photos are taken with <input type=file
# capture>, which needs no camera permission (getUserMedia would); payment is for later.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer", "autoplay", "camera", "display-capture", "geolocation", "gyroscope",
        "hid", "magnetometer", "microphone", "midi", "payment", "publickey-credentials-get",
        "serial", "usb", "xr-spatial-tracking",
    )
)  # fmt: skip


def policy_for(path: str) -> str:
    base: Mapping[str, str] = getattr(settings, "CONTENT_SECURITY_POLICY", DEFAULT_POLICY)
    overrides: Sequence[tuple[str, Mapping[str, str]]] = getattr(
        settings, "CONTENT_SECURITY_POLICY_PATHS", PATH_POLICIES
    )
    directives = dict(base)
    for prefix, changes in overrides:
        if path.startswith(prefix):
            directives.update(changes)
            break
    return "; ".join(f"{name} {value}" for name, value in directives.items())


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", policy_for(request.path))
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
