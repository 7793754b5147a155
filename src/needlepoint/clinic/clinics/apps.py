from django.apps import AppConfig


class ClinicsConfig(AppConfig):
    name = "needlepoint.clinic.clinics"
    label = "clinics"
    verbose_name = "Clinics, locations, rooms and devices"

    def ready(self) -> None:
        from needlepoint.clinic.audit.registry import register_audited

        from . import models

        register_audited(models.Clinic, models.Location, models.Room, models.Device)
