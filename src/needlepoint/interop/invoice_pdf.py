"""The invoice (with its receipt: the payments received) as a PDF, rendered like the other
documents (interop.pdf: WeasyPrint, nothing fetched)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from needlepoint.clinic.payments.invoice_summary import InvoiceSummary

from .pdf import render_pdf


def invoice_pdf(summary: InvoiceSummary) -> bytes:
    invoice = summary.invoice
    zone = ZoneInfo(invoice.location.timezone if invoice.location else "UTC")
    return render_pdf(
        "payments/invoice_pdf.html",
        {
            "s": summary,
            "invoice": invoice,
            "clinic": invoice.clinic,
            "location": invoice.location,
            "issued": invoice.issued_at.astimezone(zone),
            "zone": zone,
        },
    )


def filename(summary: InvoiceSummary) -> str:
    safe = "".join(c for c in summary.invoice.number_text if c.isalnum() or c in "-_") or "invoice"
    return f"{safe}.pdf"
