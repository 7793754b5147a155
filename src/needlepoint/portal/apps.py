from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "needlepoint.portal"
    label = "portal"
    verbose_name = "Client portal and Learn pages"

    def ready(self) -> None:
        from needlepoint.clinic.audit.registry import register_audited
        from needlepoint.clinic.messaging import composers
        from needlepoint.clinic.messaging.models import Kind

        from . import models, services

        register_audited(models.MagicLink, exclude_fields=["token_hash"])
        composers.register(Kind.SIGN_IN_LINK, services.compose_sign_in_email)
