"""The "Plans / intake / consent" section of the client record."""

from __future__ import annotations

from typing import Any

from django import template

from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.consent.models import ConsentDocument
from needlepoint.clinic.intake.selectors import intakes_of
from needlepoint.clinic.plans.selectors import plans_of

register = template.Library()


@register.simple_tag
def client_journey(client: Client) -> dict[str, Any]:
    # The client was fetched for this clinic (and the read logged) by the client view.
    plans = list(plans_of(client).select_related("intake")[:20])
    documents = (
        ConsentDocument.objects.for_clinic(client.clinic_id)
        .filter(client=client)
        .select_related("signature", "plan")
        .order_by("-created_at")[:20]
    )
    return {"intakes": list(intakes_of(client)[:20]), "plans": plans, "documents": list(documents)}
