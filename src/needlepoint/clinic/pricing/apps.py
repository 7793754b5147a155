from django.apps import AppConfig


class PricingConfig(AppConfig):
    name = "needlepoint.clinic.pricing"
    label = "pricing"
    verbose_name = "Prices, packages and quotes"

    def ready(self) -> None:
        from needlepoint.clinic.audit.registry import register_audited

        from . import models

        register_audited(models.PriceList, models.AreaPrice, models.Package)
