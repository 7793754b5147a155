"""A checked-out visit for the invoice and account pages."""

from __future__ import annotations

from typing import Any

from needlepoint.clinic.payments.checkout import CheckoutSpec, check_out, suggested_lines
from needlepoint.clinic.payments.invoices import LineSpec
from needlepoint.clinic.payments.models import Invoice
from needlepoint.clinic.payments.tenders import TenderSpec
from tests.clinic.payments.conftest import AFTER_VISIT, PayWorld


def checked_out(pw: PayWorld, *tenders: TenderSpec, products: int = 1) -> Invoice:
    lines = suggested_lines(pw.visit)  # type: ignore[arg-type]
    if products:
        lines.append(
            LineSpec(
                kind="product",
                description="Recovery serum",
                unit_price_minor=3500,
                quantity=products,
                product=pw.product,  # type: ignore[arg-type]
            )
        )
    result = check_out(pw.visit, CheckoutSpec(lines, list(tenders)), actor=pw.desk, now=AFTER_VISIT)  # type: ignore[arg-type]
    return result.invoice


def pdf_text(pdf: bytes, tmp_path: Any) -> str:
    import subprocess

    path = tmp_path / "invoice.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
