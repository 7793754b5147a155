from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "needlepoint.clinic.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from needlepoint.clinic.clinics import models as clinics

        from .registry import register_audited

        # The apps above register their own models; the clinics app sits below this one.
        register_audited(clinics.Clinic, clinics.Location, clinics.Room, clinics.Device, clinics.Closure)
