"""PDF documents (consent, quotes) rendered from HTML templates with WeasyPrint.

Rendering fetches nothing: only ``data:`` URLs (the embedded signature image) are allowed, so a
document cannot leak a request to another host or read local files, whatever its content.
Needs Pango and a font (Debian: libpango-1.0-0, libpangoft2-1.0-0, fonts-dejavu-core; ./run
installs them).
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string


def html_to_pdf(html: str) -> bytes:
    # Imported here: loading Pango is slow and only PDF views need it.
    from weasyprint import HTML, URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"}, allow_redirects=False, fail_on_errors=True)
    pdf = HTML(string=html, url_fetcher=fetcher, base_url=None).write_pdf()
    assert pdf is not None
    return pdf


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    return html_to_pdf(render_to_string(template, context))
