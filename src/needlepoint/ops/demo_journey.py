"""Demo data for the client journey: the clinic's prices, and one client taken through intake,
screening, a confirmed plan and a signed consent. Idempotent: a second run changes nothing."""

from __future__ import annotations

import base64
import io
from datetime import datetime
from decimal import Decimal

from django.db import transaction

from needlepoint import clock
from needlepoint.clinic.accounts.models import Membership, Role
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import Clinic, Device
from needlepoint.clinic.consent.models import SigningChannel
from needlepoint.clinic.consent.services import generate_consent, sign_consent
from needlepoint.clinic.intake.data import AreaEntry, IntakeData, MedicationEntry, SkinStateEntry
from needlepoint.clinic.intake.models import Intake, IntakeSource
from needlepoint.clinic.intake.services import submit_intake
from needlepoint.clinic.permissions import ClientActor
from needlepoint.clinic.plans import services as plans
from needlepoint.clinic.plans.models import TreatmentPlan
from needlepoint.clinic.pricing.services import price_list_for, save_price_list

AREA_PRICES = {  # per session, in the clinic's currency
    "forehead": "90",
    "periorbital": "70",
    "nose": "50",
    "cheeks": "150",
    "perioral": "70",
    "jawline": "110",
    "neck": "130",
    "chest": "160",
    "hands": "100",
    "arms": "180",
    "abdomen": "200",
    "back": "240",
    "thighs_legs": "240",
    "buttocks": "220",
    "scalp": "180",
}
PACKAGES = [
    {"name": "Course of 3", "sessions": 3, "discount_percent": Decimal("10")},
    {"name": "Course of 6", "sessions": 6, "discount_percent": Decimal("15")},
]


def _signature_png() -> str:
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (400, 150), (0, 0, 0, 0))
    ImageDraw.Draw(img).line(
        [(20, 110), (90, 40), (150, 120), (230, 35), (380, 90)], fill=(20, 20, 20, 255), width=4
    )
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


@transaction.atomic
def load_demo_journey(clinic: Clinic) -> None:
    pl = price_list_for(clinic)
    if not pl.area_prices.exists():
        pl.laser_course_price = Decimal("2400")
        pl.laser_course_label = "Fractional laser, 3 sessions"
        pl.notes = "Prices include the numbing cream and the aftercare products for the first 48 hours."
        save_price_list(pl, {a: Decimal(p) for a, p in AREA_PRICES.items()}, PACKAGES)

    client = Client.objects.for_clinic(clinic).filter(is_archived=False).order_by("pk").first()
    practitioner = (
        Membership.objects.for_clinic(clinic).filter(role=Role.PRACTITIONER, is_active=True).first()
    )
    device = Device.objects.for_clinic(clinic).filter(is_active=True, kind="pen").order_by("pk").first()
    if client is None or practitioner is None or device is None:
        return
    if Intake.objects.for_clinic(clinic).filter(client=client).exists():
        return  # already taken through the journey (or by a person using the demo)
    take_through_journey(client, practitioner, device, now=clock.now())


def take_through_journey(
    client: Client,
    practitioner: Membership,
    device: Device,
    *,
    now: datetime,
    areas: tuple[AreaEntry, ...] = (
        AreaEntry("cheeks", "acne_scars", 3),
        AreaEntry("forehead", "fine_lines"),
    ),
    skin_state: tuple[SkinStateEntry, ...] = (),
    history: bool = True,
) -> TreatmentPlan:
    """Intake (as the client, in the portal), screening, a confirmed plan and a signed consent.
    With `history`, the intake carries a cold-sore history and past isotretinoin, so the plan
    shows findings the practitioner acknowledged."""
    intake = submit_intake(
        client,
        IntakeData(
            fitzpatrick=client.fitzpatrick or 3,
            areas=areas,
            skin_state=skin_state,
            conditions=("herpes_simplex_history",) if history else (),
            medications=(MedicationEntry("isotretinoin", now.date().replace(year=now.year - 2)),)
            if history
            else (),
            goals="Smoother cheeks before a wedding in the spring." if history else "Smoother skin.",
        ),
        actor=ClientActor(client),
        source=IntakeSource.PORTAL,
        now=now,
    )
    plan = plans.draft_plan(intake, device=device, actor=practitioner, today=now.date())
    for finding in plan.findings.all():
        if finding.needs_acknowledgement:
            plans.acknowledge_finding(
                finding,
                actor=practitioner,
                now=now,
                note="Aciclovir prescribed by the GP; started 2 days before each session."
                if finding.needs_note
                else "Discussed with the client.",
            )
    plan = plans.confirm_plan(plan, actor=practitioner, now=now, today=now.date())
    document = generate_consent(plan, actor=practitioner)
    sign_consent(
        document,
        actor=practitioner,
        typed_name=client.full_name,
        signature_data_url=_signature_png(),
        channel=SigningChannel.TABLET,
        now=now,
        user_agent="demo",
    )
    return plan
