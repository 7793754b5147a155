from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "needlepoint.clinic.outcomes"
    label = "outcomes"
    verbose_name = "Outcomes: scores and adverse events"

    def ready(self) -> None:
        from needlepoint.clinic.audit.registry import register_audited

        from . import models, subscribers

        for model in (models.AdverseEvent, models.FollowUpTask, models.OutcomeScore):
            register_audited(model)
        subscribers.register()
