from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "needlepoint.clinic.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"
