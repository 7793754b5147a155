"""Consent: generated from the confirmed plan and the protocol's wording, signed with a typed
name and a drawn PNG, hashed, immutable, printed to a PDF that reads back; treatment needs it."""

from __future__ import annotations

import base64
import subprocess

import pytest
from django.urls import reverse

from needlepoint import clock
from needlepoint.clinic.accounts.models import Role
from needlepoint.clinic.consent.models import ConsentSignature, SigningChannel
from needlepoint.clinic.consent.selectors import valid_consent_for_plan
from needlepoint.clinic.consent.services import (
    ConsentInvalid,
    ConsentMissing,
    generate_consent,
    require_consent,
    require_consent_for_client,
    sign_consent,
)
from needlepoint.clinic.permissions import ClientActor
from needlepoint.clinic.plans import services as plans
from needlepoint.protocol import default_protocol
from tests.clinic.journey_helpers import confirmed_plan, data_url, draft, signature_png, signed
from tests.conftest import ClinicWorld


def _pdf_text(signature: ConsentSignature) -> str:
    with signature.pdf.open("rb") as fh:
        data = fh.read()
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True)
    return " ".join(out.stdout.decode().split())


def test_document_is_built_from_the_plan_and_the_protocol_wording(clinic_a: ClinicWorld) -> None:
    plan = confirmed_plan(clinic_a)
    doc = generate_consent(plan, actor=clinic_a.memberships[Role.FRONT_DESK])
    d = default_protocol().data
    text = " ".join(doc.text.split())
    assert "Results may vary" in text
    assert " ".join(d.education["what_it_is"].body.split()) in text
    for risk in d.risks.values():
        assert risk.name in text
    for care in ("no_makeup", "sun_protection", "avoid_actives"):
        assert " ".join(d.aftercare[care].text.split()) in text
    assert "Cheeks: acne scars, needle depth 1.5 mm" in text
    assert " ".join(d.numbing.conditions[0].text.split()) in text
    # Deterministic: generating again gives the same version.
    assert generate_consent(plan, actor=clinic_a.memberships[Role.FRONT_DESK]).pk == doc.pk


def test_consent_needs_a_confirmed_plan(clinic_a: ClinicWorld) -> None:
    with pytest.raises(ConsentInvalid):
        generate_consent(draft(clinic_a), actor=clinic_a.memberships[Role.FRONT_DESK])


def test_signature_hash_pdf_and_immutability(clinic_a: ClinicWorld) -> None:
    plan = confirmed_plan(clinic_a)
    signature = signed(clinic_a, plan)
    assert signature.is_intact and len(signature.sha256) == 64
    text = _pdf_text(signature)
    assert clinic_a.client.full_name in text and "Results may vary" in text
    assert signature.sha256 in text.replace(" ", "") and signature.document.text_sha256 in text.replace(
        " ", ""
    )
    signature.typed_name = "Someone Else"
    with pytest.raises(PermissionError):
        signature.save()
    with pytest.raises(PermissionError):
        signature.delete()
    with pytest.raises(PermissionError):
        signature.document.delete()
    # Tampering below the ORM breaks the hash, and the consent stops counting.
    ConsentSignature.objects.filter(pk=signature.pk).update(typed_name="Someone Else")
    assert valid_consent_for_plan(plan) is None


def test_treatment_cannot_start_without_consent(clinic_a: ClinicWorld) -> None:
    plan = draft(clinic_a)
    with pytest.raises(ConsentMissing, match="draft"):
        require_consent(plan)
    plan = confirmed_plan(clinic_a)
    with pytest.raises(ConsentMissing, match="no consent document"):
        require_consent(plan)
    generate_consent(plan, actor=clinic_a.memberships[Role.FRONT_DESK])
    with pytest.raises(ConsentMissing, match="not been signed"):
        require_consent(plan)
    signature = signed(clinic_a, plan)
    assert require_consent(plan) == signature
    assert require_consent_for_client(clinic_a.client) == signature
    plans.cancel_plan(plan, actor=clinic_a.memberships[Role.OWNER], reason="moved away", now=clock.now())
    plan.refresh_from_db()
    with pytest.raises(ConsentMissing):
        require_consent(plan)
    with pytest.raises(ConsentMissing, match="no confirmed treatment plan"):
        require_consent_for_client(clinic_a.client)


@pytest.mark.parametrize(
    ("name", "signature", "key", "message"),
    [
        ("", None, "typed_name", "Type your full name"),
        ("Somebody Else", None, "typed_name", "as the clinic has it"),
        (None, "", "signature", "Please sign"),
        (None, "data:image/jpeg;base64,AAAA", "signature", "PNG"),
        (None, "data:image/png;base64,not-base64!!", "signature", "damaged"),
        (
            None,
            "data:image/png;base64," + base64.b64encode(b"GIF89a" + b"0" * 50).decode(),
            "signature",
            "PNG",
        ),
        (None, data_url(signature_png(ink=False)), "signature", "empty"),
        (None, "data:image/png;base64," + "A" * 400_000, "signature", "too large"),
    ],
)
def test_bad_signatures_are_refused(
    clinic_a: ClinicWorld, name: str | None, signature: str | None, key: str, message: str
) -> None:
    doc = generate_consent(confirmed_plan(clinic_a), actor=clinic_a.memberships[Role.FRONT_DESK])
    with pytest.raises(ConsentInvalid) as err:
        sign_consent(
            doc,
            actor=ClientActor(clinic_a.client),
            typed_name=clinic_a.client.full_name if name is None else name,
            signature_data_url=data_url(signature_png()) if signature is None else signature,
            channel=SigningChannel.PORTAL,
            now=clock.now(),
        )
    assert message in " ".join(err.value.errors[key])
    assert not ConsentSignature.objects.exists()


def test_tablet_signing_bad_input_keeps_the_typed_name(client, clinic_a: ClinicWorld) -> None:
    doc = generate_consent(confirmed_plan(clinic_a), actor=clinic_a.memberships[Role.FRONT_DESK])
    client.force_login(clinic_a.users[Role.FRONT_DESK])
    url = reverse("consent-sign-tablet", kwargs={"document_pk": doc.pk})
    response = client.post(url, {"typed_name": "Zelda Typo", "signature": "", "agree": "on"})
    body = response.content.decode()
    assert response.status_code == 400 and "nothing was signed" in body
    assert 'value="Zelda Typo"' in body and "Please sign" in body
    response = client.post(
        url, {"typed_name": clinic_a.client.full_name, "agree": "on", "signature": data_url(signature_png())}
    )
    assert response.status_code == 200 and "consent is signed" in response.content.decode()
    signature = ConsentSignature.objects.get()
    assert signature.witnessed_by == clinic_a.memberships[Role.FRONT_DESK]
    pdf = client.get(reverse("consent-pdf", kwargs={"signature_pk": signature.pk}))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"


def test_pdf_is_not_reachable_without_authorisation(
    client, clinic_a: ClinicWorld, clinic_b: ClinicWorld
) -> None:
    signature = signed(clinic_a, confirmed_plan(clinic_a))
    url = reverse("consent-pdf", kwargs={"signature_pk": signature.pk})
    assert client.get(url).status_code == 302  # anonymous → sign in
    client.force_login(clinic_b.users[Role.OWNER])
    assert client.get(url).status_code == 404
