from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "needlepoint.clinic.reviews"
    label = "reviews"
    verbose_name = "Client reviews"

    def ready(self) -> None:
        from needlepoint.clinic.audit.registry import register_audited

        from . import models

        register_audited(models.Review)
