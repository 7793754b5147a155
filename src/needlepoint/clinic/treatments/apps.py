from django.apps import AppConfig


class TreatmentsConfig(AppConfig):
    name = "needlepoint.clinic.treatments"
    label = "treatments"
    verbose_name = "Treatment day: numbing, charts, lots, photos"
