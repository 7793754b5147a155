from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "needlepoint.clinic.payments"
    label = "payments"
    verbose_name = "Payments, invoices, packages and memberships"

    def ready(self) -> None:
        from needlepoint.clinic.audit.registry import register_audited
        from needlepoint.clinic.client_records.merge import register_step

        from . import (
            memberships,
            models,
            models_recurring,
            processor,
            stripe_gateway,
            stripe_payments,
            subscribers,
        )

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
        register_step(models.StripeCustomer, stripe_payments.merge_step)
        # Stripe's rows; the keys stay out of the audit trail's diffs.
        register_audited(models.StripeCustomer, models.SavedCard, models.StripeCharge)
        register_audited(models.StripeAccount, exclude_fields=["secret_key", "webhook_secret"])
        processor.register("stripe", stripe_gateway.factory)
        subscribers.connect()
