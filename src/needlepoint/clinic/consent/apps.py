from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "needlepoint.clinic.consent"
    label = "consent"
    verbose_name = "Consent documents and signatures"

    def ready(self) -> None:
        from needlepoint.clinic.audit.registry import register_audited

        from . import models

        register_audited(models.ConsentDocument, exclude_fields=["text"])
        register_audited(models.ConsentSignature, exclude_fields=["signature_png"])
