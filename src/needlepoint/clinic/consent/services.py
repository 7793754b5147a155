"""Generating consent documents from plans, signing them, and the check booking calls before
treatment starts: ``require_consent(plan)``."""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max

from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.errors import Conflict, InvalidInput
from needlepoint.clinic.permissions import Action, Actor, membership_of, require
from needlepoint.clinic.plans.models import TreatmentPlan
from needlepoint.clinic.plans.selectors import current_plan, engine_plan
from needlepoint.interop.pdf import render_pdf
from needlepoint.protocol import default_protocol

from .documents import TITLE, consent_sections, parse_text, render_text
from .drawing import SignatureInvalid, decode_signature
from .models import ConsentDocument, ConsentSignature, SigningChannel, signature_hash
from .selectors import current_document, valid_consent_for_plan


class ConsentMissing(Conflict):
    """Treatment cannot start: no valid signed consent for this plan."""

    code = "consent_missing"

    def __init__(self, plan: TreatmentPlan | None, reason: str) -> None:
        self.plan = plan
        self.reason = reason
        where = f"plan #{plan.pk}" if plan is not None else "this client"
        super().__init__(f"No valid consent for {where}: {reason}")


class ConsentInvalid(InvalidInput, ValueError):
    """Signing refused; ``errors`` (= ``fields``) are keyed by form field."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(fields=errors)

    @property
    def errors(self) -> dict[str, list[str]]:
        return self.fields


def require_consent(plan: TreatmentPlan) -> ConsentSignature:
    """The signature that allows treatment under ``plan``; raises ConsentMissing otherwise.
    Call it when an appointment's treatment starts."""
    signature = valid_consent_for_plan(plan)
    if signature is not None:
        return signature
    if not plan.is_confirmed:
        raise ConsentMissing(plan, f"the plan is {plan.get_status_display().lower()}")
    if current_document(plan) is None:
        raise ConsentMissing(plan, "no consent document has been generated")
    raise ConsentMissing(plan, "the current consent document has not been signed")


def require_consent_for_client(client: Client) -> ConsentSignature:
    """For an appointment not linked to a plan: the client's current confirmed plan must have a
    valid signed consent."""
    plan = current_plan(client)
    if plan is None:
        raise ConsentMissing(None, "the client has no confirmed treatment plan")
    return require_consent(plan)


@transaction.atomic
def generate_consent(plan: TreatmentPlan, *, actor: Actor) -> ConsentDocument:
    """The consent document for the confirmed plan: a new version only when the text changed."""
    require(actor, Action.GENERATE_CONSENT, plan)
    plan = TreatmentPlan.objects.select_for_update().get(pk=plan.pk)
    if not plan.is_confirmed:
        raise ConsentInvalid({"__all__": ["Consent is generated from a confirmed plan."]})
    protocol = default_protocol()
    text = render_text(TITLE, consent_sections(plan, engine_plan(plan), protocol))
    digest = hashlib.sha256(text.encode()).hexdigest()
    latest = current_document(plan)
    if latest is not None and latest.text_sha256 == digest:
        return latest
    version = (
        ConsentDocument.objects.for_clinic(plan.clinic_id).filter(plan=plan).aggregate(v=Max("version"))["v"]
        or 0
    ) + 1
    return ConsentDocument.objects.create(
        clinic_id=plan.clinic_id,
        plan=plan,
        client_id=plan.client_id,
        version=version,
        title=TITLE,
        text=text,
        text_sha256=digest,
        protocol_id=protocol.id,
        protocol_version=protocol.version,
        created_by=membership_of(actor),
    )


def _same_name(typed: str, expected: str) -> bool:
    return " ".join(typed.casefold().split()) == " ".join(expected.casefold().split())


@transaction.atomic
def sign_consent(
    document: ConsentDocument,
    *,
    actor: Actor,
    typed_name: str,
    signature_data_url: str,
    channel: SigningChannel | str,
    now: datetime,
    ip: str | None = None,
    user_agent: str = "",
) -> ConsentSignature:
    """The client signs (in the portal, or in the clinic with the staff member behind the actor
    as witness)."""
    require(actor, Action.SIGN_CONSENT, document)
    document = (
        ConsentDocument.objects.select_for_update().select_related("plan", "client").get(pk=document.pk)
    )
    errors: dict[str, list[str]] = {}
    plan = document.plan
    if not plan.is_confirmed:
        errors["__all__"] = [
            f"The plan is {plan.get_status_display().lower()}; this consent can no longer be signed."
        ]
    elif ConsentSignature.objects.filter(document=document).exists():
        errors["__all__"] = ["This consent has already been signed."]
    else:
        current = current_document(plan)
        if current is None or current.pk != document.pk:
            errors["__all__"] = ["A newer version of this consent exists; please sign that one."]
    name = " ".join(typed_name.split())
    if not name:
        errors["typed_name"] = ["Type your full name."]
    elif not _same_name(name, document.client.full_name):
        errors["typed_name"] = [f"Type your full name as the clinic has it: {document.client.full_name}."]
    png = b""
    try:
        png = decode_signature(signature_data_url)
    except SignatureInvalid as exc:
        errors["signature"] = [str(exc)]
    if errors:
        raise ConsentInvalid(errors)
    signed_at = now.replace(microsecond=0)
    digest = signature_hash(document.text, name, signed_at.isoformat(), png)
    signature = ConsentSignature(
        clinic_id=document.clinic_id,
        document=document,
        plan=plan,
        client_id=document.client_id,
        typed_name=name,
        signature_png=png,
        signed_at=signed_at,
        channel=channel,
        witnessed_by=membership_of(actor),
        ip=ip,
        user_agent=user_agent[:300],
        sha256=digest,
    )
    pdf = consent_pdf(signature)
    signature.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    signature.pdf.save(f"consent-{document.pk}-{secrets.token_hex(8)}.pdf", ContentFile(pdf), save=False)
    signature.save()
    return signature


def _zone_of(signature: ConsentSignature) -> str:
    """The time zone the client signed in: their preferred location's, else the clinic's first."""
    from needlepoint.clinic.clinics.models import Location

    location = signature.client.preferred_location or (
        Location.objects.for_clinic(signature.clinic_id).filter(is_active=True).order_by("pk").first()
    )
    return location.timezone if location is not None else "UTC"


def consent_pdf(signature: ConsentSignature) -> bytes:
    document = signature.document
    zone = _zone_of(signature)
    _title, sections = parse_text(document.text)
    return render_pdf(
        "consent/pdf.html",
        {
            "document": document,
            "title": document.title,
            "sections": sections,
            "signature": signature,
            "clinic_name": document.plan.clinic.name,
            "signed_local": signature.signed_at.astimezone(ZoneInfo(zone)),
            "zone": zone,
            "signature_src": "data:image/png;base64,"
            + base64.b64encode(bytes(signature.signature_png)).decode(),
        },
    )
