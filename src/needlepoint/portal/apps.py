from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "needlepoint.portal"
    label = "portal"
    verbose_name = "Client portal and Learn pages"

    def ready(self) -> None:
        from needlepoint.clinic.audit.registry import register_audited

        from . import models

        register_audited(models.MagicLink, exclude_fields=["token_hash"])
