"""One invoice: its page (lines, tax, totals, tenders, refunds, balance), its PDF, and the
owner's refund form per tender. Reading an invoice reads a client's visit: logged like any
client record."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from needlepoint import clock
from needlepoint.clinic.audit.services import AccessContext, record_access
from needlepoint.clinic.errors import DomainError, NotAllowed, NotFound
from needlepoint.clinic.payments import invoice_summary, refunds
from needlepoint.clinic.payments.models import Invoice, Tender
from needlepoint.clinic.permissions import Action, may
from needlepoint.interop import invoice_pdf
from needlepoint.web.access import ALL_STAFF, clinic_of, membership_of, staff_view
from needlepoint.web.errors import apply_to_form

from .forms import RefundForm


def _invoice(request: HttpRequest, pk: int, action: str) -> Invoice:
    try:
        invoice: Invoice = (
            Invoice.objects.for_clinic(clinic_of(request))
            .select_related("client", "clinic", "location", "appointment", "practitioner__user")
            .get(pk=pk)
        )
    except Invoice.DoesNotExist as exc:
        raise Http404 from exc
    record_access(AccessContext.from_request(request), client=invoice.client, action=action)
    return invoice


def _page(
    request: HttpRequest, invoice: Invoice, *, refund_form: RefundForm | None = None, status: int = 200
) -> HttpResponse:
    summary = invoice_summary.summarise(invoice)
    member = membership_of(request)
    return render(
        request,
        "payments/invoice.html",
        {
            "s": summary,
            "invoice": invoice,
            "may_refund": may(member, Action.REFUND, invoice),
            "refund_form": refund_form,
            "zone": invoice.location.timezone if invoice.location else "UTC",
        },
        status=status,
    )


@staff_view(*ALL_STAFF)
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _invoice(request, pk, "view invoice"))


@staff_view(*ALL_STAFF)
def invoice_download(request: HttpRequest, pk: int) -> HttpResponse:
    summary = invoice_summary.summarise(_invoice(request, pk, "download invoice"))
    response = HttpResponse(invoice_pdf.invoice_pdf(summary), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{invoice_pdf.filename(summary)}"'
    return response


@require_POST
@staff_view(action=Action.REFUND)
def invoice_refund(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice(request, pk, "refund")
    form = RefundForm(request.POST, currency=invoice.currency)
    if not form.is_valid():
        return _page(request, invoice, refund_form=form, status=400)
    tender = Tender.objects.filter(invoice=invoice, pk=form.cleaned_data["tender"]).first()
    if tender is None:
        raise Http404("No such payment on this invoice.")
    try:
        refunds.refund_tender(
            tender, form.minor("amount"), form.cleaned_data["reason"], membership_of(request), clock.now()
        )
    except (NotAllowed, NotFound):
        raise
    except DomainError as exc:
        apply_to_form(form, exc)
        return _page(request, invoice, refund_form=form, status=exc.status)
    messages.success(request, "Refund recorded.")
    return redirect("invoice-detail", pk=invoice.pk)
