from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "needlepoint.clinic.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from needlepoint.clinic.audit.registry import register_audited

        from . import models, subscribers

        # Deliveries and attempts are their own log (the worker writes them constantly). The
        # secrets stay out of the audit trail: a rotation is visible as `updated_at` changing.
        register_audited(models.WebhookEndpoint, exclude_fields=["secret", "previous_secret"])
        subscribers.register()
