"""Issue 18: after changing a plan's sessions its page said 555 GBP and its quote 765 GBP.

The edit form sent back the old price it had pre-filled, which was stored as if typed. Now a
price is either agreed (typed by staff, honoured by the quote) or the price list's, and the plan
page, the quote page, the PDF and the portal all show ``pricing.services.quote_for_plan``'s total.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.test import Client as WebClient
from django.urls import reverse

from needlepoint.clinic.accounts.models import Role
from needlepoint.clinic.plans.models import TreatmentPlan
from needlepoint.clinic.pricing.services import price_list_for, quote_for_plan, save_price_list
from needlepoint.protocol import default_protocol
from needlepoint.web.journey.forms import PlanEditForm
from tests.clinic.journey_helpers import draft
from tests.conftest import ClinicWorld


def _prices(world: ClinicWorld) -> None:
    save_price_list(
        price_list_for(world.clinic),
        {"cheeks": Decimal("120.00"), "forehead": Decimal("85.50")},
        [{"name": "Course of 3", "sessions": 3, "discount_percent": Decimal("10")}],
    )


def _as_the_browser_sends_it(plan: TreatmentPlan, **changes: Any) -> dict[str, Any]:
    """The edit form's pre-filled values, as a browser posts them back, with some changed."""
    form = PlanEditForm(plan=plan, protocol=default_protocol())
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if name.startswith("include_"):
            if value:
                data[name] = "on"
            continue
        data[name] = "" if value is None else field.widget.format_value(value) or value
    data.update(changes)
    return data


def _shown(client: WebClient, url: str, element_id: str) -> Decimal:
    body = client.get(url).content.decode()
    m = re.search(rf'id="{element_id}">([0-9.]+)', body)
    assert m, f"no #{element_id} on {url}"
    return Decimal(m.group(1))


def _edit(client: WebClient, plan: TreatmentPlan, **changes: Any) -> None:
    url = reverse("plan-edit", kwargs={"plan_pk": plan.pk})
    response = client.post(url, _as_the_browser_sends_it(plan, **changes))
    assert response.status_code == 302, response.content.decode()[:2000]


def test_changing_the_sessions_keeps_plan_page_and_quote_equal(
    client: WebClient, clinic_a: ClinicWorld
) -> None:
    _prices(clinic_a)
    plan = draft(clinic_a)
    client.force_login(clinic_a.users[Role.PRACTITIONER])
    plan_url = reverse("plan-detail", kwargs={"plan_pk": plan.pk})
    quote_url = reverse("quote-detail", kwargs={"plan_pk": plan.pk})
    before = _shown(client, plan_url, "plan-price")
    assert before == _shown(client, quote_url, "quote-total")
    sessions = (plan.sessions or 3) + 1
    _edit(client, plan, sessions=str(sessions), schedule_reason="The client asked for one more.")
    plan.refresh_from_db()
    assert plan.sessions == sessions and not plan.price_agreed
    after = _shown(client, plan_url, "plan-price")
    assert after != before  # one more session costs more
    assert after == _shown(client, quote_url, "quote-total") == quote_for_plan(plan).total == plan.price


def test_an_agreed_price_is_the_quotes_total_too(client: WebClient, clinic_a: ClinicWorld) -> None:
    _prices(clinic_a)
    plan = draft(clinic_a)
    client.force_login(clinic_a.users[Role.PRACTITIONER])
    _edit(client, plan, price="500.00")
    plan.refresh_from_db()
    assert plan.price_agreed and plan.price == Decimal("500.00")
    plan_url = reverse("plan-detail", kwargs={"plan_pk": plan.pk})
    assert _shown(client, plan_url, "plan-price") == Decimal("500.00")
    body = client.get(reverse("quote-detail", kwargs={"plan_pk": plan.pk})).content.decode()
    assert 'id="quote-total">500.00' in body and "Agreed price adjustment" in body
    # Emptying the price goes back to the list, which follows the sessions again.
    _edit(client, plan, price="", sessions=str((plan.sessions or 3) + 1), schedule_reason="One more.")
    plan.refresh_from_db()
    assert not plan.price_agreed and plan.price == quote_for_plan(plan).total != Decimal("500.00")
