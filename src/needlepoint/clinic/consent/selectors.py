"""Reads of consent documents and signatures."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404

from needlepoint.clinic.audit.services import AccessContext, record_access
from needlepoint.clinic.plans.models import PlanStatus, TreatmentPlan

from .models import ConsentDocument, ConsentSignature


def current_document(plan: TreatmentPlan) -> ConsentDocument | None:
    return ConsentDocument.objects.for_clinic(plan.clinic_id).filter(plan=plan).order_by("-version").first()


def valid_consent_for_plan(plan: TreatmentPlan) -> ConsentSignature | None:
    """The signature on the plan's current consent document, when the plan is confirmed and the
    signature still matches its hash; None otherwise."""
    if plan.status != PlanStatus.CONFIRMED:
        return None
    document = current_document(plan)
    if document is None:
        return None
    signature = ConsentSignature.objects.for_clinic(plan.clinic_id).filter(document=document).first()
    if signature is None or not signature.is_intact:
        return None
    return signature


def document_for_read(ctx: AccessContext, pk: int) -> ConsentDocument:
    document = get_object_or_404(
        ConsentDocument.objects.for_clinic(ctx.clinic).select_related("plan", "client"), pk=pk
    )
    record_access(ctx, client=document.client, action="view-consent")
    return document


def signature_for_read(ctx: AccessContext, pk: int) -> ConsentSignature:
    signature = get_object_or_404(
        ConsentSignature.objects.for_clinic(ctx.clinic).select_related("document", "client", "plan"), pk=pk
    )
    record_access(ctx, client=signature.client, action="view-consent-pdf")
    return signature


def signatures_of_client(clinic_id: int, client_id: int) -> list[ConsentSignature]:
    return list(
        ConsentSignature.objects.for_clinic(clinic_id)
        .filter(client_id=client_id)
        .select_related("document", "plan")
        .order_by("-signed_at")
    )


def pdf_response(signature: ConsentSignature, filename: str) -> HttpResponse:
    """The stored signed PDF (media storage is never served directly: only through views that
    checked who is asking)."""
    with signature.pdf.open("rb") as fh:
        response = HttpResponse(fh.read(), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
