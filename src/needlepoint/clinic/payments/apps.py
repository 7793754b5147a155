from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "needlepoint.clinic.payments"
    label = "payments"
    verbose_name = "Payments, invoices, packages and memberships"

    def ready(self) -> None:
        from needlepoint.clinic.audit.registry import register_audited

        from . import models, subscribers

        register_audited(
            models.PaymentSettings,
            models.Product,
            models.ProductStock,
            models.DepositPolicy,
            models.LedgerEntry,
            models.Invoice,
            models.Tender,
            models.DepositRequest,
            models.ClientPackage,
            models.PackageRedemption,
        )
        subscribers.connect()
