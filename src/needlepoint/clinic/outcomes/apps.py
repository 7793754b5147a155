from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "needlepoint.clinic.outcomes"
    label = "outcomes"
    verbose_name = "Outcomes: adverse events"

    def ready(self) -> None:
        from needlepoint.clinic.audit.registry import register_audited

        from . import models

        register_audited(models.AdverseEvent)
