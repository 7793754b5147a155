from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "needlepoint.clinic.intake"
    label = "intake"
    verbose_name = "Intake questionnaires"

    def ready(self) -> None:
        from needlepoint.clinic.audit.registry import register_audited

        from . import models

        register_audited(models.Intake)
