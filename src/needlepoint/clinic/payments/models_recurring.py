"""Money that recurs: packages paid in instalments and monthly memberships.

Rows here point at payments' own models by label ("payments.Invoice"), so this module does not
import ``models`` (``models`` imports this one, which registers these models with Django)."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from needlepoint.clinic.accounts.models import Membership
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import ClinicOwned

#: Days after the first attempt on which a failed card charge is tried again (then: given up).
RETRY_DAYS = (1, 3, 7)


class InstalmentStatus(models.TextChoices):
    DUE = "due", "Due"
    PAID = "paid", "Paid"
    FAILED = "failed", "Card failed: overdue"
    CANCELLED = "cancelled", "Cancelled"


class InstalmentPlan(ClinicOwned):
    """A package paid over months: the invoice is issued for the whole price at the sale, each
    instalment pays part of it (by the saved card, through the worker, or at the desk)."""

    client_package = models.OneToOneField(
        "payments.ClientPackage", on_delete=models.PROTECT, related_name="instalment_plan"
    )
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="instalment_plans")
    count = models.PositiveSmallIntegerField(validators=[MinValueValidator(2), MaxValueValidator(12)])
    total_minor = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        Membership, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.count} instalments of package {self.client_package_id}"


class Instalment(ClinicOwned):
    plan = models.ForeignKey(InstalmentPlan, on_delete=models.PROTECT, related_name="instalments")
    index = models.PositiveSmallIntegerField()
    amount_minor = models.PositiveIntegerField()
    due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=InstalmentStatus.choices, default=InstalmentStatus.DUE)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    tender = models.ForeignKey(
        "payments.Tender", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["plan", "index"]
        indexes = [models.Index(fields=["status", "due_at"], name="instalment_due")]
        constraints = [
            models.UniqueConstraint(fields=["plan", "index"], name="instalment_index_once"),
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="instalment_amount_positive"),
        ]


class MembershipPlan(ClinicOwned):
    """What a clinic offers monthly: a fee, sessions included each month and/or a discount on
    treatments, and the months a member commits to."""

    name = models.CharField(max_length=80)
    monthly_fee_minor = models.PositiveIntegerField()
    included_credits = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(10)], help_text="Sessions included each month."
    )
    discount_bp = models.PositiveIntegerField(
        default=0, validators=[MaxValueValidator(10000)], help_text="Off treatments, basis points."
    )
    min_term_months = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(36)])
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="membership_plan_name_once"),
            models.CheckConstraint(condition=Q(monthly_fee_minor__gt=0), name="membership_fee_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class MembershipStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    CARD_FAILED = "card_failed", "Card failed"
    CANCELLED = "cancelled", "Cancelled"


#: A client has at most one membership in these states (a database constraint says so).
LIVE = (MembershipStatus.ACTIVE, MembershipStatus.PAUSED, MembershipStatus.CARD_FAILED)


class ClientMembership(ClinicOwned):
    """A client's membership. Period n runs from ``started_at`` + n months for one month; each
    period is charged once (MembershipCharge is unique per period)."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="memberships")
    plan = models.ForeignKey(MembershipPlan, on_delete=models.PROTECT, related_name="members")
    status = models.CharField(
        max_length=12, choices=MembershipStatus.choices, default=MembershipStatus.ACTIVE
    )
    # Copied at joining: a later change of the plan does not change what this member agreed to.
    monthly_fee_minor = models.PositiveIntegerField()
    included_credits = models.PositiveSmallIntegerField(default=0)
    discount_bp = models.PositiveIntegerField(default=0)
    min_term_months = models.PositiveSmallIntegerField(default=0)
    currency = models.CharField(max_length=3)
    started_at = models.DateTimeField()
    paused_until = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True, help_text="Cancelled: benefits run until then.")
    created_by = models.ForeignKey(
        Membership, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["client"], name="one_live_membership_per_client", condition=Q(status__in=LIVE)
            )
        ]

    def __str__(self) -> str:
        return f"{self.plan} for {self.client_id}"


class ChargeStatus(models.TextChoices):
    DUE = "due", "Due"
    PAID = "paid", "Paid"
    FAILED = "failed", "Card failed"
    SKIPPED = "skipped", "Not charged (paused)"


class MembershipCharge(ClinicOwned):
    membership = models.ForeignKey(ClientMembership, on_delete=models.PROTECT, related_name="charges")
    period = models.PositiveIntegerField(help_text="0 for the first month.")
    period_start = models.DateTimeField()
    amount_minor = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=8, choices=ChargeStatus.choices, default=ChargeStatus.DUE)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    invoice = models.ForeignKey(
        "payments.Invoice", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    tender = models.ForeignKey(
        "payments.Tender", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)
    failure_message = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["membership", "period"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="membership_charge_due")]
        constraints = [
            models.UniqueConstraint(fields=["membership", "period"], name="membership_period_charged_once")
        ]


class MembershipSessionUse(ClinicOwned):
    """One included session used at a checkout, counted against the month it fell in."""

    membership = models.ForeignKey(ClientMembership, on_delete=models.PROTECT, related_name="uses")
    period = models.PositiveIntegerField()
    appointment = models.ForeignKey("booking.Appointment", on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey(
        "payments.Invoice", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "appointment"], name="membership_use_once_per_visit"
            )
        ]
