from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "needlepoint.clinic.intake"
    label = "intake"
    verbose_name = "Intake questionnaires"

    def ready(self) -> None:
        from needlepoint.clinic.audit.registry import register_audited
        from needlepoint.clinic.client_records.merge import register_step

        from . import merge_step, models

        register_audited(models.Intake)
        register_step(models.Intake, merge_step.renumber_intakes)
