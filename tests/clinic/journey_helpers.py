"""Builders for the journey tests: intakes, plans, consent signatures (imported by name)."""

from __future__ import annotations

import base64
import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from needlepoint import clock
from needlepoint.clinic.accounts.models import Role
from needlepoint.clinic.consent.models import ConsentSignature, SigningChannel
from needlepoint.clinic.consent.services import generate_consent, sign_consent
from needlepoint.clinic.intake.data import AreaEntry, IntakeData, MedicationEntry, SkinStateEntry
from needlepoint.clinic.intake.models import Intake, IntakeSource
from needlepoint.clinic.intake.services import PhotoInput, submit_intake
from needlepoint.clinic.permissions import ClientActor
from needlepoint.clinic.plans import services as plans
from needlepoint.clinic.plans.models import TreatmentPlan
from tests.conftest import ClinicWorld

__all__ = ["AreaEntry", "MedicationEntry", "SkinStateEntry"]


def intake_data(**kw: Any) -> IntakeData:
    base: dict[str, Any] = {
        "fitzpatrick": 2,
        "areas": (AreaEntry("cheeks", "acne_scars", 3), AreaEntry("forehead", "fine_lines")),
    }
    base.update(kw)
    return IntakeData(**base)


def submit(world: ClinicWorld, data: IntakeData | None = None, *, client: Any = None) -> Intake:
    return submit_intake(
        client or world.client,
        data or intake_data(),
        actor=world.memberships[Role.FRONT_DESK],
        source=IntakeSource.STAFF,
        now=clock.now(),
    )


def png_bytes(size: tuple[int, int] = (8, 8), colour: str = "red") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "PNG")
    return buf.getvalue()


def photo_upload(name: str = "cheek.png", data: bytes | None = None) -> Any:
    return SimpleUploadedFile(name, data if data is not None else png_bytes(), content_type="image/png")


def intake_with_photo(world: ClinicWorld, *, client: Any = None) -> Intake:
    """An intake with one photo of the cheeks (the census's "intake_photo" object kind)."""
    client = client or world.client
    return submit_intake(
        client,
        intake_data(),
        actor=ClientActor(client),
        source=IntakeSource.PORTAL,
        now=clock.now(),
        photos=[PhotoInput(photo_upload(), "cheeks", "red marks")],
    )


def practitioner(world: ClinicWorld) -> Any:
    return world.memberships[Role.PRACTITIONER]


def draft(world: ClinicWorld, intake: Intake | None = None, **kw: Any) -> TreatmentPlan:
    intake = intake or submit(world)
    return plans.draft_plan(
        intake, device=world.device, actor=practitioner(world), today=clock.now().date(), **kw
    )


def acknowledge_all(world: ClinicWorld, plan: TreatmentPlan) -> None:
    for f in plan.findings.all():
        if f.needs_acknowledgement and not f.is_acknowledged:
            plans.acknowledge_finding(
                f, actor=practitioner(world), note="Discussed with the client.", now=clock.now()
            )


def confirmed_plan(world: ClinicWorld, data: IntakeData | None = None) -> TreatmentPlan:
    plan = draft(world, submit(world, data))
    acknowledge_all(world, plan)
    return plans.confirm_plan(plan, actor=practitioner(world), now=clock.now(), today=clock.now().date())


def signature_png(*, ink: bool = True, size: tuple[int, int] = (400, 150)) -> bytes:
    img = Image.new("RGBA", size, (0, 0, 0, 0))
    if ink:
        draw = ImageDraw.Draw(img)
        draw.line([(20, 100), (120, 30), (200, 120), (380, 40)], fill=(0, 0, 0, 255), width=4)
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


def signed(world: ClinicWorld, plan: TreatmentPlan) -> ConsentSignature:
    document = generate_consent(plan, actor=world.memberships[Role.FRONT_DESK])
    return sign_consent(
        document,
        actor=world.memberships[Role.FRONT_DESK],
        typed_name=world.client.full_name,
        signature_data_url=data_url(signature_png()),
        channel=SigningChannel.TABLET,
        now=clock.now(),
        ip="127.0.0.1",
        user_agent="pytest",
    )
