"""Payments: a clinic's payment settings, its products and stock, deposits per appointment type,
and the append-only ledger every balance is computed from. Amounts are integer minor units of
the clinic's currency (money.py). Memberships and instalments live in models_recurring.py, Stripe's
rows in stripe_models.py."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from needlepoint.clinic.accounts.models import Membership
from needlepoint.clinic.booking.models import HOURS_PER_YEAR, Appointment, AppointmentType
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import ClinicOwned, Location
from needlepoint.clinic.pricing.models import Package

# Registers the recurring models (instalments, memberships) with this app.
from .models_recurring import (  # noqa: F401
    ClientMembership,
    Instalment,
    InstalmentPlan,
    MembershipCharge,
    MembershipPlan,
    MembershipSessionUse,
)

RATE = [MinValueValidator(0), MaxValueValidator(10000)]


class ItemKind(models.TextChoices):
    TREATMENT = "treatment", "Treatment"
    PRODUCT = "product", "Product"
    PACKAGE = "package", "Package"
    MEMBERSHIP = "membership", "Membership"
    FEE = "fee", "Fee"
    TIP = "tip", "Tip"


class Processor(models.TextChoices):
    NONE = "none", "Paid elsewhere only (cash, card terminal, bank transfer)"
    STRIPE = "stripe", "Stripe (card on file, deposits, online payments) and paid elsewhere"


class PaymentSettings(ClinicOwned):
    """One per clinic: tax, invoice numbering, the processor. The invoice counter is read and
    bumped under a row lock in the invoicing transaction, so numbers are gap-free."""

    tax_name = models.CharField(max_length=20, default="VAT", help_text="VAT, GST, sales tax…")
    tax_registration = models.CharField(max_length=40, blank=True, help_text="Printed on invoices.")
    prices_include_tax = models.BooleanField(
        default=True, help_text="Prices are what the client pays (tax is part of them)."
    )
    treatment_tax_bp = models.PositiveIntegerField(default=0, validators=RATE, help_text="basis points")
    product_tax_bp = models.PositiveIntegerField(default=2000, validators=RATE)
    package_tax_bp = models.PositiveIntegerField(default=0, validators=RATE)
    membership_tax_bp = models.PositiveIntegerField(default=0, validators=RATE)
    fee_tax_bp = models.PositiveIntegerField(default=0, validators=RATE)
    invoice_prefix = models.CharField(max_length=12, default="INV-", blank=True)
    last_invoice_number = models.PositiveIntegerField(default=0, editable=False)
    processor = models.CharField(max_length=10, choices=Processor.choices, default=Processor.NONE)
    package_expiry_months = models.PositiveSmallIntegerField(
        default=12, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    invoice_footer = models.TextField(blank=True, help_text="Printed at the foot of invoices.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clinic"], name="one_payment_settings_per_clinic")]

    def __str__(self) -> str:
        return f"Payment settings of {self.clinic}"

    def rate_for(self, kind: str) -> int:
        rates: dict[str, int] = {
            ItemKind.TREATMENT: self.treatment_tax_bp,
            ItemKind.PRODUCT: self.product_tax_bp,
            ItemKind.PACKAGE: self.package_tax_bp,
            ItemKind.MEMBERSHIP: self.membership_tax_bp,
            ItemKind.FEE: self.fee_tax_bp,
        }
        return int(rates.get(kind, 0))


class Product(ClinicOwned):
    """Retail: skincare, serums, sunscreen sold at checkout."""

    name = models.CharField(max_length=120)
    sku = models.CharField(max_length=40, blank=True)
    price_minor = models.PositiveIntegerField()
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["clinic", "name"], name="product_name_once")]

    def __str__(self) -> str:
        return self.name


class ProductStock(ClinicOwned):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="stock")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    quantity = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "location"], name="stock_once_per_location"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="stock_not_negative"),
        ]


class DepositKind(models.TextChoices):
    NONE = "none", "No deposit"
    FIXED = "fixed", "Fixed amount"
    PERCENT = "percent", "Percentage of the price"


class DepositPolicy(ClinicOwned):
    """Per appointment type: the deposit taken at booking and whether a card must be on file."""

    appointment_type = models.OneToOneField(AppointmentType, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=DepositKind.choices, default=DepositKind.NONE)
    amount_minor = models.PositiveIntegerField(default=0, help_text="For a fixed deposit.")
    percent_bp = models.PositiveIntegerField(default=0, validators=RATE, help_text="For a percentage.")
    card_required = models.BooleanField(default=False)
    pay_within_hours = models.PositiveSmallIntegerField(
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(168)],
        help_text="An unpaid deposit releases the booking after this long.",
    )
    # The cancellation policy of this type (clinic/payments/cancellation.py). Blank notice or
    # late fee: the clinic's booking policy, so a clinic that sets nothing keeps one rule.
    notice_hours = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(HOURS_PER_YEAR)],
        help_text="Cancelling later than this before the start is late. Blank: the clinic's notice.",
    )
    late_fee_minor = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Charged for a late cancellation without a deposit. Blank: the clinic's fee.",
    )
    no_show_fee_minor = models.PositiveIntegerField(
        default=0, help_text="Charged for a no-show without a deposit."
    )

    def __str__(self) -> str:
        return f"Deposit for {self.appointment_type_id}"


class Account(models.TextChoices):
    RECEIVABLE = "receivable", "Client account"  # positive: the client owes the clinic
    DEPOSIT = "deposit", "Deposits held"  # positive: the clinic holds the client's deposit
    CREDIT = "credit", "Package credit"  # positive: prepaid value (deferred revenue)


class EntryKind(models.TextChoices):
    CHARGE = "charge", "Charge"
    PAYMENT = "payment", "Payment"
    REFUND = "refund", "Refund"
    CREDIT_NOTE = "credit_note", "Credit note"
    DEPOSIT_PAID = "deposit_paid", "Deposit paid"
    DEPOSIT_APPLIED = "deposit_applied", "Deposit applied"
    DEPOSIT_REFUNDED = "deposit_refunded", "Deposit refunded"
    DEPOSIT_FORFEITED = "deposit_forfeited", "Deposit forfeited"
    CREDIT_ISSUED = "credit_issued", "Package credit issued"
    CREDIT_REDEEMED = "credit_redeemed", "Package credit redeemed"
    CREDIT_REFUNDED = "credit_refunded", "Package credit refunded"
    CREDIT_EXPIRED = "credit_expired", "Package credit expired"
    FEE = "fee", "Fee"
    WRITE_OFF = "write_off", "Write-off"


class Method(models.TextChoices):
    CASH = "cash", "Cash"
    CARD_TERMINAL = "card_terminal", "Card terminal"
    BANK_TRANSFER = "bank_transfer", "Bank transfer"
    STRIPE = "stripe", "Card (Stripe)"
    DEPOSIT = "deposit", "Deposit"
    CREDIT = "credit", "Package credit"


#: Methods a person records by hand ("paid elsewhere").
PAID_ELSEWHERE = (Method.CASH, Method.CARD_TERMINAL, Method.BANK_TRANSFER)


class LedgerEntry(ClinicOwned):
    """One immutable money movement. Balances are sums; a mistake is corrected by a new entry
    (``reverses``), never by editing. ``save`` refuses an update and ``delete`` refuses always."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="ledger_entries")
    account = models.CharField(max_length=12, choices=Account.choices)
    kind = models.CharField(max_length=20, choices=EntryKind.choices)
    amount_minor = models.BigIntegerField(help_text="Signed, in the account's direction.")
    currency = models.CharField(max_length=3)
    method = models.CharField(max_length=16, choices=Method.choices, blank=True)
    appointment = models.ForeignKey(
        Appointment, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger_entries"
    )
    invoice = models.ForeignKey(
        "payments.Invoice", on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    tender = models.ForeignKey(
        "payments.Tender", on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    location = models.ForeignKey(Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    practitioner = models.ForeignKey(
        Membership, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reverses = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reference = models.CharField(max_length=120, blank=True, help_text="Processor id, cheque number…")
    memo = models.CharField(max_length=200, blank=True)
    # Unique per clinic when set: the same business fact is never recorded twice.
    idempotency_key = models.CharField(max_length=120, null=True, blank=True)  # noqa: DJ001 - NULL: no key
    created_by = models.ForeignKey(
        Membership, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["client", "account"], name="ledger_client_account"),
            models.Index(fields=["clinic", "created_at"], name="ledger_clinic_time"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "idempotency_key"],
                name="ledger_key_once",
                condition=Q(idempotency_key__isnull=False),
            ),
            models.CheckConstraint(condition=~Q(amount_minor=0), name="ledger_amount_not_zero"),
        ]

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise RuntimeError("Ledger entries are immutable: record a correcting entry instead.")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise RuntimeError("Ledger entries are never deleted.")

    def __str__(self) -> str:
        return f"{self.kind} {self.amount_minor} {self.currency} ({self.account})"


class Invoice(ClinicOwned):
    """Issued once, numbered gap-free per clinic, never edited (a refund is a credit note in the
    ledger, shown on the invoice's page). Bill-to details are copied so a later change of the
    client's name or address does not rewrite an issued invoice."""

    number = models.PositiveIntegerField()
    number_text = models.CharField(max_length=32)
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="invoices")
    appointment = models.ForeignKey(
        Appointment, on_delete=models.PROTECT, null=True, blank=True, related_name="invoices"
    )
    location = models.ForeignKey(Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    practitioner = models.ForeignKey(
        Membership, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    currency = models.CharField(max_length=3)
    bill_to_name = models.CharField(max_length=200)
    bill_to_email = models.CharField(max_length=254, blank=True)
    net_minor = models.BigIntegerField()
    tax_minor = models.BigIntegerField()
    total_minor = models.BigIntegerField(help_text="Gross, tip included.")
    discount_minor = models.BigIntegerField(default=0)
    credit_minor = models.BigIntegerField(default=0, help_text="Covered by package/membership credit.")
    tip_minor = models.BigIntegerField(default=0)
    tax_name = models.CharField(max_length=20, blank=True)
    tax_registration = models.CharField(max_length=40, blank=True)
    footer = models.TextField(blank=True)
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(
        Membership, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    idempotency_key = models.CharField(max_length=120, null=True, blank=True)  # noqa: DJ001 - NULL: no key

    class Meta:
        ordering = ["-number"]
        indexes = [models.Index(fields=["clinic", "issued_at"], name="invoice_clinic_time")]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "number"], name="invoice_number_once"),
            # One checkout per visit: a second till on the same visit is refused by the database too.
            models.UniqueConstraint(
                fields=["appointment"], name="one_invoice_per_visit", condition=Q(appointment__isnull=False)
            ),
            models.UniqueConstraint(
                fields=["clinic", "idempotency_key"],
                name="invoice_key_once",
                condition=Q(idempotency_key__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.number_text


class InvoiceLine(ClinicOwned):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=12, choices=ItemKind.choices)
    description = models.CharField(max_length=200)
    quantity = models.PositiveIntegerField(default=1)
    unit_price_minor = models.BigIntegerField()
    discount_minor = models.BigIntegerField(default=0)
    discount_reason = models.CharField(max_length=120, blank=True)
    # Covered by package or membership credit (minor units of the gross): not paid in money.
    credit_minor = models.BigIntegerField(default=0)
    tax_rate_bp = models.PositiveIntegerField(default=0)
    net_minor = models.BigIntegerField()
    tax_minor = models.BigIntegerField()
    gross_minor = models.BigIntegerField()
    product = models.ForeignKey(Product, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    areas = models.CharField(
        max_length=300, blank=True, help_text="Protocol area codes, for treatment lines."
    )

    class Meta:
        ordering = ["invoice", "position"]
        constraints = [
            models.CheckConstraint(condition=Q(unit_price_minor__gte=0), name="line_price_not_negative"),
            models.CheckConstraint(condition=Q(discount_minor__gte=0), name="line_discount_not_negative"),
        ]


class TenderStatus(models.TextChoices):
    PENDING = "pending", "Pending"  # sent to the processor, answer not yet recorded
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class Tender(ClinicOwned):
    """Money received by one method: cash handed over, a terminal slip, a Stripe charge. A Stripe
    tender is created PENDING before the call (its pk makes the idempotency key) and recorded in
    the ledger only when the processor confirms, so a crash between the two is reconciled, never
    charged twice."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="tenders")
    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, null=True, blank=True, related_name="tenders"
    )
    appointment = models.ForeignKey(
        Appointment, on_delete=models.PROTECT, null=True, blank=True, related_name="tenders"
    )
    location = models.ForeignKey(Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    method = models.CharField(max_length=16, choices=Method.choices)
    purpose = models.CharField(max_length=20, default="payment", help_text="payment, deposit, fee, package…")
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=TenderStatus.choices, default=TenderStatus.SUCCEEDED)
    reference = models.CharField(max_length=120, blank=True)
    processor_id = models.CharField(max_length=80, blank=True, help_text="Stripe PaymentIntent id.")
    failure_message = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        Membership, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    idempotency_key = models.CharField(max_length=120, null=True, blank=True)  # noqa: DJ001 - NULL: no key

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["clinic", "created_at"], name="tender_clinic_time")]
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="tender_amount_positive"),
            models.UniqueConstraint(
                fields=["clinic", "idempotency_key"],
                name="tender_key_once",
                condition=Q(idempotency_key__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.amount_minor} {self.currency}"


class DepositStatus(models.TextChoices):
    DUE = "due", "Due"  # booked, waiting for the deposit
    PAID = "paid", "Paid"  # held
    APPLIED = "applied", "Applied at checkout"
    REFUNDED = "refunded", "Refunded"
    FORFEITED = "forfeited", "Forfeited"
    RELEASED = "released", "Not paid in time: booking released"
    WAIVED = "waived", "Waived"


class DepositRequest(ClinicOwned):
    """The deposit an appointment needs. A booking is *confirmed* when its deposit is paid (or
    none is needed); an unpaid one releases the slot after the policy's hours."""

    appointment = models.OneToOneField(Appointment, on_delete=models.PROTECT, related_name="deposit")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    amount_minor = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=DepositStatus.choices, default=DepositStatus.DUE)
    due_by = models.DateTimeField()
    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField()
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "due_by"], name="deposit_due")]


class ClientPackageStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    USED = "used", "All sessions used"
    EXPIRED = "expired", "Expired"
    REFUNDED = "refunded", "Refunded"


class ClientPackage(ClinicOwned):
    """A course of sessions a client bought up front. Its value sits in the CREDIT account until
    each session redeems one credit (deferred revenue); ``credit_value`` spreads the price over
    the sessions, the last one taking the remainder."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="packages")
    package = models.ForeignKey(Package, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    name = models.CharField(max_length=120)
    areas = models.CharField(max_length=300, blank=True, help_text="Area codes covered; blank: any.")
    sessions_total = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(24)]
    )
    price_minor = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=10, choices=ClientPackageStatus.choices, default=ClientPackageStatus.ACTIVE
    )
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    sold_at = models.DateTimeField()
    sold_by = models.ForeignKey(Membership, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-sold_at"]

    def __str__(self) -> str:
        return f"{self.name} for {self.client_id}"

    def credit_value(self, index: int) -> int:
        """Value of credit number `index` (0-based)."""
        base = self.price_minor // self.sessions_total
        if index == self.sessions_total - 1:
            return self.price_minor - base * (self.sessions_total - 1)
        return base


class PackageRedemption(ClinicOwned):
    client_package = models.ForeignKey(ClientPackage, on_delete=models.PROTECT, related_name="redemptions")
    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    index = models.PositiveSmallIntegerField()
    value_minor = models.PositiveIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client_package", "index"], name="redemption_index_once"),
            models.UniqueConstraint(
                fields=["client_package", "appointment"], name="redemption_once_per_visit"
            ),
        ]


# Stripe's rows live in their own module; importing them here registers them with Django.
from .stripe_models import (  # noqa: E402, F401
    SavedCard,
    StripeAccount,
    StripeCharge,
    StripeCustomer,
    StripeEvent,
)
