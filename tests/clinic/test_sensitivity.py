"""The clinical-field census: every field of every model of the clinical apps is declared
administrative or clinical in clinic/sensitivity.py, so a new field (or model) cannot reach
front desk without someone deciding it may."""

from __future__ import annotations

import pytest
from django.apps import apps

from needlepoint.clinic import sensitivity
from needlepoint.clinic.permissions import ALL_STAFF, CLINICAL, STAFF_RULES, Action, SystemActor, may


def _models() -> list[str]:
    return sorted(
        m._meta.label for app in sensitivity.CLINICAL_APPS for m in apps.get_app_config(app).get_models()
    )


def test_every_model_of_the_clinical_apps_is_classified() -> None:
    assert set(_models()) == set(sensitivity.CLASSIFICATION), (
        "classify the new model's fields in clinic/sensitivity.py (or remove a stale entry)"
    )


@pytest.mark.parametrize("label", _models())
def test_every_field_is_classified_exactly_once(label: str) -> None:
    fields = {f.name for f in apps.get_model(label)._meta.concrete_fields} - sensitivity.KEYS
    declared = sensitivity.CLASSIFICATION[label]
    assert not declared.administrative & declared.clinical, "declared both administrative and clinical"
    unclassified = fields - declared.administrative - declared.clinical
    assert not unclassified, f"{label}: classify {sorted(unclassified)} in clinic/sensitivity.py"
    stale = (declared.administrative | declared.clinical) - fields
    assert not stale, f"{label}: no such fields {sorted(stale)}"


def test_the_front_desk_rule() -> None:
    """Front desk sees that things exist and how to book them, never medical content."""
    assert STAFF_RULES[Action.READ_CLINICAL] == CLINICAL and CLINICAL < ALL_STAFF
    intake = sensitivity.CLASSIFICATION["intake.Intake"]
    assert {"version", "submitted_at"} <= intake.administrative
    assert {"conditions", "medications", "allergies", "other_conditions", "goals"} <= intake.clinical
    plan = sensitivity.CLASSIFICATION["plans.TreatmentPlan"]
    assert {
        "status",
        "sessions",
        "gap_min_days",
        "gap_max_days",
        "first_earliest",
        "price",
    } <= plan.administrative
    assert {"notes", "engine_plan", "schedule_reason"} <= plan.clinical
    assert {"depth_mm", "recommended_mm", "cap_mm"} <= sensitivity.clinical_fields("plans.PlanArea")
    whole_rows = {label for label in sensitivity.CLASSIFICATION if sensitivity.is_clinical_row(label)}
    assert {
        "plans.PlanFinding",
        "intake.IntakePhoto",
        "treatments.Chart",
        "treatments.ChartEntry",
        "treatments.ChartAddendum",
        "treatments.TreatmentPhoto",
        "outcomes.AdverseEvent",
        "outcomes.OutcomeScore",
        "messaging.ReactionReport",
        "messaging.ReactionPhoto",
    } <= whole_rows
    assert "intake.Intake" not in whole_rows and "plans.PlanArea" not in whole_rows
    assert may(SystemActor(1, "worker"), Action.READ_CLINICAL)
