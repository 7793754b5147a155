from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "needlepoint.clinic.payments"
    label = "payments"
    verbose_name = "Payments, invoices, packages and memberships"

    def ready(self) -> None:
        from needlepoint.clinic.audit.registry import register_audited
        from needlepoint.clinic.client_records.merge import register_step

        from . import memberships, models, models_recurring, subscribers

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
            models_recurring.InstalmentPlan,
            models_recurring.Instalment,
            models_recurring.MembershipPlan,
            models_recurring.ClientMembership,
            models_recurring.MembershipCharge,
            models_recurring.MembershipSessionUse,
        )
        register_step(models_recurring.ClientMembership, memberships.merge_step)
        subscribers.connect()
