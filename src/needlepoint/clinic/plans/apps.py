from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "needlepoint.clinic.plans"
    label = "plans"
    verbose_name = "Treatment plans and screening"

    def ready(self) -> None:
        from needlepoint.clinic.audit.registry import register_audited

        from . import models

        register_audited(models.TreatmentPlan, exclude_fields=["engine_plan", "updated_at"])
        register_audited(models.PlanArea, models.PlanFinding)
