from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "needlepoint.clinic.clients"
    label = "clients"
    verbose_name = "Clients"

    def ready(self) -> None:
        from needlepoint.clinic.audit.registry import register_audited

        from . import models

        register_audited(models.Client)
