"""Consent: generate the document from a confirmed plan, sign it on the clinic tablet, and serve
the signed PDF (only through this authorised, access-logged view)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from needlepoint.clinic.consent import selectors, services
from needlepoint.clinic.consent.documents import parse_text
from needlepoint.clinic.consent.models import ConsentDocument, ConsentSignature, SigningChannel
from needlepoint.clinic.consent.selectors import pdf_response
from needlepoint.clinic.permissions import Action
from needlepoint.clinic.plans.selectors import plan_for_read
from needlepoint.web.access import ALL_STAFF, staff_view
from needlepoint.web.client_forms import ConsentSignForm
from needlepoint.web.errors import apply_to_form

from .common import ctx, ip_and_agent, membership, now


@require_POST
@staff_view(action=Action.GENERATE_CONSENT)
def consent_generate(request: HttpRequest, plan_pk: int) -> HttpResponse:
    plan = plan_for_read(ctx(request), plan_pk)
    try:
        document = services.generate_consent(plan, actor=membership(request))
    except services.ConsentInvalid as exc:
        messages.error(request, exc.message)
        return redirect("plan-detail", plan_pk=plan.pk)
    return redirect("consent-detail", document_pk=document.pk)


def _document_context(document: ConsentDocument) -> dict[str, object]:
    _title, sections = parse_text(document.text)
    signature = ConsentSignature.objects.filter(document=document).first()
    current = selectors.current_document(document.plan)
    return {
        "document": document,
        "sections": sections,
        "signature": signature,
        "is_current": current is not None and current.pk == document.pk,
        "client": document.client,
        "plan": document.plan,
    }


@staff_view(*ALL_STAFF)
def consent_detail(request: HttpRequest, document_pk: int) -> HttpResponse:
    document = selectors.document_for_read(ctx(request), document_pk)
    return render(request, "consent/detail.html", _document_context(document))


@staff_view(action=Action.SIGN_CONSENT)
def consent_sign_tablet(request: HttpRequest, document_pk: int) -> HttpResponse:
    """The client reads and signs on the clinic tablet; the staff member is recorded as witness."""
    document = selectors.document_for_read(ctx(request), document_pk)
    form = ConsentSignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ip, agent = ip_and_agent(request)
        try:
            services.sign_consent(
                document,
                typed_name=form.cleaned_data["typed_name"],
                signature_data_url=form.cleaned_data.get("signature", ""),
                channel=SigningChannel.TABLET,
                now=now(),
                ip=ip,
                user_agent=agent,
                actor=membership(request),
            )
        except services.ConsentInvalid as exc:
            apply_to_form(form, exc)
        else:
            return render(
                request, "consent/tablet_done.html", {"document": document, "client": document.client}
            )
    context = _document_context(document) | {"form": form}
    return render(request, "consent/sign_tablet.html", context, status=400 if form.errors else 200)


@staff_view(*ALL_STAFF)
def consent_pdf(request: HttpRequest, signature_pk: int) -> HttpResponse:
    signature = selectors.signature_for_read(ctx(request), signature_pk)
    return pdf_response(signature, f"consent-plan-{signature.plan_id}-v{signature.document.version}.pdf")
