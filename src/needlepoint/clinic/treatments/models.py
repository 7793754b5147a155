"""Treatment day: numbing, charts, lots, photos.

What happens in the room, recorded so the clinic can defend it: when the anaesthetic went on
(and the protocol's timings as they were then), one chart per appointment with an entry per
area (device, single-use cartridge lot, depth used vs recommended, passes, product lot, end
point, pain, reactions), signed and then locked (corrections are addenda), the lots in stock
per location (a recall lists every client treated with the lot), and before/after photos.
Workflows live in services.py; the models refuse what must never happen whatever the caller.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from needlepoint.clinic.accounts.models import Membership
from needlepoint.clinic.booking.models import Appointment
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import ClinicOwned, Device, Location
from needlepoint.protocol import DEPTH_CEILING_MM, DEPTH_FLOOR_MM

from .vocab import Endpoint, LotKind, PhotoPhase, PhotoView

__all__ = [
    "Chart",
    "ChartAddendum",
    "ChartEntry",
    "Endpoint",
    "Lot",
    "LotKind",
    "NumbingApplication",
    "PhotoPhase",
    "PhotoView",
    "TreatmentPhoto",
]


class Lot(ClinicOwned):
    """One received lot of a cartridge or a product at a location; quantities in units."""

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=LotKind.choices)
    product_name = models.CharField(max_length=120)
    lot_number = models.CharField(max_length=60)
    expiry = models.DateField(help_text="Usable up to and including this date (location's local date).")
    quantity_received = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    quantity_used = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField()
    received_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    recalled_at = models.DateTimeField(null=True, blank=True)
    recall_reason = models.TextField(blank=True)
    recalled_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    notes = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["expiry", "product_name", "lot_number"]
        indexes = [models.Index(fields=["clinic", "location", "kind", "expiry"])]
        constraints = [
            models.UniqueConstraint(
                fields=["location", "kind", "product_name", "lot_number"], name="lot_unique_per_location"
            ),
            models.CheckConstraint(
                condition=Q(quantity_used__lte=F("quantity_received")), name="lot_not_overused"
            ),
            models.CheckConstraint(
                condition=Q(recalled_at__isnull=True) | ~Q(recall_reason=""), name="lot_recall_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_name} lot {self.lot_number} (exp. {self.expiry:%Y-%m-%d})"

    @property
    def remaining(self) -> int:
        return self.quantity_received - self.quantity_used

    @property
    def is_recalled(self) -> bool:
        return self.recalled_at is not None

    def is_expired(self, today: date) -> bool:
        """Expired when the location's local date is after the expiry date."""
        return self.expiry < today


class NumbingApplication(ClinicOwned):
    """Topical anaesthetic put on at check-in. The protocol's timings and limit are copied in,
    so the record says what the clinic's rules were at the time, whatever changes later."""

    appointment = models.ForeignKey(
        Appointment, on_delete=models.PROTECT, related_name="numbing_applications"
    )
    applied_at = models.DateTimeField(help_text="When the cream went on (UTC).")
    agent = models.CharField(max_length=60, help_text="Protocol agent code, e.g. lidocaine_5")
    agent_name = models.CharField(max_length=120)
    concentration = models.CharField(max_length=60, help_text="e.g. lidocaine 5 %")
    areas = models.JSONField(default=list, help_text="Protocol area codes numbed.")
    surface_cm2 = models.PositiveIntegerField(help_text="Numbed surface (typical patch per area).")
    amount_g = models.DecimalField(max_digits=5, decimal_places=1, validators=[MinValueValidator(0)])
    onset_minutes = models.PositiveSmallIntegerField(help_text="Protocol: minutes until numb.")
    effect_min_minutes = models.PositiveSmallIntegerField(help_text="Protocol: reliable effect, minutes.")
    effect_max_minutes = models.PositiveSmallIntegerField(help_text="Protocol: longest effect, minutes.")
    max_area_cm2 = models.PositiveIntegerField(help_text="Protocol: the agent's large-area limit.")
    max_grams = models.DecimalField(max_digits=5, decimal_places=1)
    removed_at = models.DateTimeField(null=True, blank=True, help_text="When the cream was wiped off.")
    notes = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["appointment", "applied_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(effect_max_minutes__gte=F("effect_min_minutes")), name="numbing_effect_order"
            ),
            models.CheckConstraint(
                condition=Q(removed_at__isnull=True) | Q(removed_at__gte=F("applied_at")),
                name="numbing_removed_after_applied",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agent_name} at {self.applied_at:%Y-%m-%d %H:%M} UTC on {', '.join(self.areas)}"


class Chart(ClinicOwned):
    """The treatment record of one appointment. Signing locks it; later corrections are addenda."""

    appointment = models.OneToOneField(Appointment, on_delete=models.PROTECT, related_name="chart")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="charts")
    plan = models.ForeignKey(
        "plans.TreatmentPlan", on_delete=models.PROTECT, null=True, blank=True, related_name="charts"
    )
    protocol_id = models.CharField(max_length=80, blank=True)
    protocol_version = models.CharField(max_length=40, blank=True)
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    signed_by = models.ForeignKey(
        Membership, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    signature_name = models.CharField(max_length=150, blank=True, help_text="The signer's typed name.")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["clinic", "client", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=(Q(signed_at__isnull=True) & Q(signed_by__isnull=True))
                | (Q(signed_at__isnull=False) & Q(signed_by__isnull=False) & ~Q(signature_name="")),
                name="chart_signature_complete",
            )
        ]

    def __str__(self) -> str:
        return f"Chart #{self.pk} for {self.client}"

    @classmethod
    def from_db(cls, *args: Any, **kwargs: Any) -> Chart:
        obj = super().from_db(*args, **kwargs)
        obj._loaded_signed = obj.signed_at is not None
        return obj

    def save(self, *args: Any, **kwargs: Any) -> None:
        if getattr(self, "_loaded_signed", False):
            raise PermissionError("A signed chart is locked; add an addendum instead.")
        super().save(*args, **kwargs)
        self._loaded_signed = self.signed_at is not None

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("Charts are kept.")

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


def _chart_is_signed(chart_id: int | None) -> bool:
    # Asked of the database, not a possibly stale in-memory chart.
    return chart_id is not None and Chart.objects.filter(pk=chart_id, signed_at__isnull=False).exists()


class ChartEntry(ClinicOwned):
    """What was done to one area."""

    chart = models.ForeignKey(Chart, on_delete=models.PROTECT, related_name="entries")
    position = models.PositiveSmallIntegerField(default=0)
    area = models.CharField(max_length=60)
    area_name = models.CharField(max_length=120)
    indication = models.CharField(max_length=60, blank=True)
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="+")
    cartridge_lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="cartridge_entries")
    depth_mm = models.DecimalField("depth used (mm)", max_digits=3, decimal_places=2)
    recommended_mm = models.DecimalField("recommended depth (mm)", max_digits=3, decimal_places=2)
    planned_mm = models.DecimalField(
        "planned depth (mm)", max_digits=3, decimal_places=2, null=True, blank=True
    )
    cap_mm = models.DecimalField("hard limit (mm)", max_digits=3, decimal_places=2)
    override_reason = models.TextField(blank=True)
    passes = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(20)])
    product_lot = models.ForeignKey(
        Lot, on_delete=models.PROTECT, null=True, blank=True, related_name="product_entries"
    )
    endpoint = models.CharField(max_length=30, choices=Endpoint.choices)
    pain_score = models.PositiveSmallIntegerField(validators=[MaxValueValidator(10)])
    reactions = models.JSONField(default=list, blank=True, help_text="Reaction codes (vocab.REACTIONS).")
    reaction_notes = models.TextField(blank=True)
    created_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["chart", "position", "pk"]
        verbose_name_plural = "chart entries"
        constraints = [
            models.UniqueConstraint(fields=["chart", "area"], name="chart_entry_area_once"),
            models.CheckConstraint(condition=Q(pain_score__lte=10), name="chart_entry_pain_0_10"),
            models.CheckConstraint(
                condition=Q(passes__gte=1) & Q(passes__lte=20), name="chart_entry_passes_range"
            ),
            # Backstop only: services run the protocol engine, which refuses beyond the caps.
            models.CheckConstraint(
                condition=Q(depth_mm__gte=DEPTH_FLOOR_MM)
                & Q(depth_mm__lte=F("cap_mm"))
                & Q(cap_mm__lte=DEPTH_CEILING_MM),
                name="chart_entry_depth_within_cap",
            ),
            models.CheckConstraint(
                condition=Q(depth_mm=F("recommended_mm")) | ~Q(override_reason=""),
                name="chart_entry_override_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area_name} at {self.depth_mm} mm × {self.passes}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if _chart_is_signed(self.chart_id):
            raise PermissionError("A signed chart is locked; add an addendum instead.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if _chart_is_signed(self.chart_id):
            raise PermissionError("A signed chart is locked; add an addendum instead.")
        return super().delete(*args, **kwargs)

    @property
    def is_override(self) -> bool:
        return self.depth_mm != self.recommended_mm


class ChartAddendum(ClinicOwned):
    """A later note or correction to a signed chart; the original entry stays as it was."""

    chart = models.ForeignKey(Chart, on_delete=models.PROTECT, related_name="addenda")
    entry = models.ForeignKey(
        ChartEntry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="addenda",
        help_text="The entry this corrects, if any.",
    )
    text = models.TextField()
    author = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["chart", "created_at", "pk"]
        verbose_name_plural = "chart addenda"
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="addendum_has_text")]

    def __str__(self) -> str:
        return f"Addendum {self.pk} to chart {self.chart_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("An addendum cannot be changed; add another.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("Addenda are kept.")


class TreatmentPhoto(ClinicOwned):
    """A standard-view photo of one area, before or after a session. Stored under the data
    directory (not a public media URL) and served only through a logged, role-checked view."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="treatment_photos")
    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="treatment_photos")
    area = models.CharField(max_length=60)
    view = models.CharField(max_length=12, choices=PhotoView.choices)
    phase = models.CharField(max_length=6, choices=PhotoPhase.choices)
    image = models.ImageField(upload_to="treatments/%Y/%m/", width_field="width", height_field="height")
    thumbnail = models.ImageField(upload_to="treatments/thumbs/%Y/%m/")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    taken_at = models.DateTimeField()
    uploaded_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["taken_at", "pk"]
        indexes = [models.Index(fields=["clinic", "client", "area", "view"])]

    def __str__(self) -> str:
        return f"{self.get_phase_display()} {self.area} {self.get_view_display()} ({self.appointment_id})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("A treatment photo cannot be changed; take another.")
        super().save(*args, **kwargs)
