"""Treatment plans: the practitioner's confirmed version of the protocol engine's proposal.

A plan keeps the engine's full output (``engine_plan``) and the protocol id/version it came
from; per area the recommended and the chosen depth (an override carries its reason; the engine
refuses anything beyond its hard limits); one series (session count, gap, first-session window)
that booking uses; and the screening findings, each acknowledged by a practitioner.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import F, Q

from needlepoint.clinic.accounts.models import Membership
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import ClinicOwned, Device, DeviceKind
from needlepoint.clinic.intake.models import Intake
from needlepoint.protocol import DEPTH_CEILING_MM, DEPTH_FLOOR_MM, sides


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    CONFIRMED = "confirmed", "Confirmed"
    SUPERSEDED = "superseded", "Superseded"
    CANCELLED = "cancelled", "Cancelled"


# Once confirmed, a plan only changes status (to superseded or cancelled).
_AFTER_CONFIRM = frozenset({"status", "ended_at", "end_reason", "updated_at"})


class TreatmentPlan(ClinicOwned):
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="treatment_plans")
    intake = models.ForeignKey(Intake, on_delete=models.PROTECT, related_name="plans")
    supersedes = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    status = models.CharField(max_length=12, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    protocol_id = models.CharField(max_length=80)
    protocol_version = models.CharField(max_length=40)
    device = models.ForeignKey(Device, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    device_kind = models.CharField(max_length=10, choices=DeviceKind.choices)
    device_max_mm = models.DecimalField(max_digits=3, decimal_places=2)
    numbing = models.BooleanField(default=True)
    numbing_agent = models.CharField(max_length=60, blank=True)
    start_date = models.DateField(null=True, blank=True, help_text="First day the course may start.")
    planned_on = models.DateField()
    #: The engine's Plan (JSON) of the latest screening run.
    engine_plan = models.JSONField(default=dict)
    engine_status = models.CharField(max_length=20, blank=True)
    # The one series booking uses.
    sessions = models.PositiveSmallIntegerField(null=True, blank=True)
    gap_min_days = models.PositiveSmallIntegerField(null=True, blank=True)
    gap_max_days = models.PositiveSmallIntegerField(null=True, blank=True)
    first_earliest = models.DateField(null=True, blank=True)
    first_latest = models.DateField(null=True, blank=True)
    schedule_reason = models.TextField(
        blank=True, help_text="Why sessions or intervals differ from the protocol's recommendation."
    )
    #: The course's price: the quote's total (``pricing.services.quote_for_plan``), kept in step
    #: on every change, unless staff typed one (``price_agreed``), which the quote then honours.
    price = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    price_agreed = models.BooleanField(
        default=False, help_text="The price was typed by staff instead of taken from the price list."
    )
    currency = models.CharField(max_length=3, blank=True)
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    confirmed_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["clinic", "client", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(gap_max_days__isnull=True) | Q(gap_max_days__gte=F("gap_min_days")),
                name="plan_gap_order",
            ),
            models.CheckConstraint(
                condition=Q(first_latest__isnull=True) | Q(first_latest__gte=F("first_earliest")),
                name="plan_first_window_order",
            ),
            models.CheckConstraint(
                condition=~Q(status="confirmed") | Q(confirmed_at__isnull=False),
                name="plan_confirmed_is_dated",
            ),
        ]

    def __str__(self) -> str:
        return f"Plan #{self.pk} for {self.client} ({self.get_status_display()})"

    @classmethod
    def from_db(cls, *args: Any, **kwargs: Any) -> TreatmentPlan:
        obj = super().from_db(*args, **kwargs)
        obj._loaded_status = obj.status
        return obj

    def save(self, *args: Any, **kwargs: Any) -> None:
        loaded = getattr(self, "_loaded_status", None)
        if loaded not in (None, PlanStatus.DRAFT):
            fields = kwargs.get("update_fields")
            if fields is None or not set(fields) <= _AFTER_CONFIRM:
                raise PermissionError("A confirmed plan cannot be edited; start a revision instead.")
        super().save(*args, **kwargs)
        self._loaded_status = self.status

    @property
    def is_draft(self) -> bool:
        return self.status == PlanStatus.DRAFT

    @property
    def is_confirmed(self) -> bool:
        return self.status == PlanStatus.CONFIRMED


class PlanArea(ClinicOwned):
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.CASCADE, related_name="areas")
    position = models.PositiveSmallIntegerField(default=0)
    area = models.CharField(max_length=60)
    area_name = models.CharField(max_length=120)
    indication = models.CharField(max_length=60)
    indication_name = models.CharField(max_length=120)
    goodman_baron_grade = models.PositiveSmallIntegerField(null=True, blank=True)
    recommended_mm = models.DecimalField(max_digits=3, decimal_places=2)
    depth_mm = models.DecimalField(max_digits=3, decimal_places=2)
    cap_mm = models.DecimalField(max_digits=3, decimal_places=2)
    override_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "area"], name="plan_area_once"),
            # Backstop only: the engine decides depths and refuses overrides beyond its limits.
            models.CheckConstraint(
                condition=Q(depth_mm__gte=DEPTH_FLOOR_MM) & Q(depth_mm__lte=DEPTH_CEILING_MM),
                name="plan_area_depth_in_hard_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area_name}: {self.indication_name} at {self.depth_mm} mm"

    @property
    def is_override(self) -> bool:
        return self.depth_mm != self.recommended_mm

    @property
    def side(self) -> str | None:
        """``left``/``right`` for one side of a paired area (``cheeks.left``), else None (both)."""
        return sides.split(self.area)[1]


class PlanFinding(ClinicOwned):
    """One screening finding of the engine, as the practitioner reviewed it."""

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.CASCADE, related_name="findings")
    code = models.CharField(max_length=80)
    severity = models.CharField(max_length=8)  # BLOCK / DEFER / REQUIRE / WARN
    applies_to = models.CharField(max_length=10, default="treatment")
    area = models.CharField(max_length=60, blank=True)
    area_name = models.CharField(max_length=120, blank=True)
    reason = models.TextField()
    action = models.TextField(blank=True)
    note = models.TextField(blank=True)
    until = models.DateField(null=True, blank=True)
    citations = models.JSONField(default=list)
    acknowledged_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledgement_note = models.TextField(blank=True)

    class Meta:
        ordering = ["plan", "id"]

    def __str__(self) -> str:
        return f"{self.severity} {self.code} ({self.area or 'whole plan'})"

    @property
    def blocks_treatment(self) -> bool:
        return self.severity == "BLOCK" and self.applies_to == "treatment"

    @property
    def needs_acknowledgement(self) -> bool:
        """WARN and REQUIRE always; a BLOCK of the numbing cream too (it needs a decision)."""
        return self.severity in ("WARN", "REQUIRE") or (
            self.severity == "BLOCK" and self.applies_to == "numbing"
        )

    @property
    def needs_note(self) -> bool:
        """A required action or a numbing decision is recorded, not just ticked."""
        return self.severity == "REQUIRE" or (self.severity == "BLOCK" and self.applies_to == "numbing")

    @property
    def is_acknowledged(self) -> bool:
        return self.acknowledged_at is not None

    def identity(self) -> tuple[str, str, str, str, str]:
        """Same finding across re-runs of the engine: its acknowledgement carries over."""
        return (self.code, self.severity, self.applies_to, self.area, self.reason)
