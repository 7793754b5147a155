from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "needlepoint.clinic.messaging"
    label = "messaging"
    verbose_name = "Messaging: reminders, aftercare, check-ins, reaction reports"

    def ready(self) -> None:
        from needlepoint.clinic.audit.registry import register_audited
        from needlepoint.clinic.client_records.merge import register_step

        from . import merge_step, models, subscribers

        # The outbox itself is not audited: the worker writes it thousands of times a minute
        # and DeliveryAttempt is its own log.
        register_audited(models.MessageTemplate, models.MessagingSettings, models.ReactionReport)
        subscribers.register()
        register_step(models.Conversation, merge_step.join_conversations)
