from django.apps import AppConfig


class TreatmentsConfig(AppConfig):
    name = "needlepoint.clinic.treatments"
    label = "treatments"
    verbose_name = "Treatment day: numbing, charts, lots, photos"

    def ready(self) -> None:
        from needlepoint.clinic.audit.registry import register_audited

        from . import models

        for model in (
            models.Lot,
            models.NumbingApplication,
            models.Chart,
            models.ChartEntry,
            models.ChartAddendum,
            models.TreatmentPhoto,
        ):
            register_audited(model)
