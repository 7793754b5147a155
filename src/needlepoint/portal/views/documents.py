"""The client's documents: read and sign consent, download the signed PDF and the quote."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from needlepoint import clock
from needlepoint.clinic.audit.services import client_ip, record_access
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.consent import services
from needlepoint.clinic.consent.documents import parse_text
from needlepoint.clinic.consent.models import ConsentDocument, ConsentSignature, SigningChannel
from needlepoint.clinic.consent.selectors import current_document, pdf_response
from needlepoint.clinic.permissions import ClientActor
from needlepoint.clinic.plans.models import PlanStatus, TreatmentPlan
from needlepoint.clinic.pricing.services import MissingPrice, quote_for_plan
from needlepoint.interop.pdf import render_pdf
from needlepoint.portal.forms import ConsentSignForm
from needlepoint.portal.session import client_view, portal_context
from needlepoint.web.errors import apply_to_form


@client_view
def consent(request: HttpRequest, document_pk: int) -> HttpResponse:
    client: Client = request.portal_client  # type: ignore[attr-defined]
    document = get_object_or_404(
        ConsentDocument.objects.for_clinic(client.clinic_id).filter(client=client).select_related("plan"),
        pk=document_pk,
    )
    record_access(portal_context(request, client), client=client, action="portal-consent")
    signature = ConsentSignature.objects.filter(document=document).first()
    current = current_document(document.plan)
    form = ConsentSignForm(request.POST or None)
    done = False
    if request.method == "POST" and signature is None and form.is_valid():
        try:
            signature = services.sign_consent(
                document,
                actor=ClientActor(client),
                typed_name=form.cleaned_data["typed_name"],
                signature_data_url=form.cleaned_data.get("signature", ""),
                channel=SigningChannel.PORTAL,
                now=clock.now(),
                ip=client_ip(request),
                user_agent=request.headers.get("User-Agent", ""),
            )
            done = True
        except services.ConsentInvalid as exc:
            apply_to_form(form, exc)
    _, sections = parse_text(document.text)
    return render(
        request,
        "portal/consent.html",
        {
            "client": client,
            "clinic": client.clinic,
            "document": document,
            "sections": sections,
            "signature": signature,
            "form": form,
            "done": done,
            "is_current": current is not None and current.pk == document.pk and document.plan.is_confirmed,
        },
        status=400 if form.errors else 200,
    )


@client_view
def consent_pdf(request: HttpRequest, signature_pk: int) -> HttpResponse:
    client: Client = request.portal_client  # type: ignore[attr-defined]
    signature = get_object_or_404(
        ConsentSignature.objects.for_clinic(client.clinic_id)
        .filter(client=client)
        .select_related("document"),
        pk=signature_pk,
    )
    record_access(portal_context(request, client), client=client, action="portal-consent-pdf")
    return pdf_response(signature, f"consent-v{signature.document.version}.pdf")


@client_view
def quote_pdf(request: HttpRequest, plan_pk: int) -> HttpResponse:
    client: Client = request.portal_client  # type: ignore[attr-defined]
    plan = get_object_or_404(
        TreatmentPlan.objects.for_clinic(client.clinic_id).filter(client=client, status=PlanStatus.CONFIRMED),
        pk=plan_pk,
    )
    record_access(portal_context(request, client), client=client, action="portal-quote")
    try:
        quote = quote_for_plan(plan, today=clock.now().date())
    except MissingPrice:
        return HttpResponse(
            "No quote is available yet; please ask the clinic.", status=404, content_type="text/plain"
        )
    pdf = render_pdf(
        "pricing/quote_pdf.html",
        {"plan": plan, "client": client, "quote": quote, "clinic_name": client.clinic.name},
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="quote-{plan.pk}.pdf"'
    return response
