from django.apps import AppConfig


class IdempotencyConfig(AppConfig):
    name = "needlepoint.clinic.idempotency"
    label = "idempotency"
    verbose_name = "Idempotency keys of API writes"
