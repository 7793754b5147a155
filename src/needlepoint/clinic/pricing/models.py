"""A clinic's prices: per area per session, course packages at a discount, and the price of a
laser course for an optional comparison on quotes. Money is Decimal in the clinic's currency."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from needlepoint.clinic.clinics.models import ClinicOwned


class PriceList(ClinicOwned):
    laser_course_price = models.DecimalField(
        "laser course price",
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Optional: what a comparable course of laser treatments costs here, for the quote.",
    )
    laser_course_label = models.CharField(
        max_length=120, blank=True, help_text="e.g. 'Fractional laser, 3 sessions'"
    )
    quote_valid_days = models.PositiveSmallIntegerField(
        default=30, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    notes = models.TextField(blank=True, help_text="Printed at the foot of every quote.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clinic"], name="one_price_list_per_clinic")]

    def __str__(self) -> str:
        return f"Prices of {self.clinic}"


class AreaPrice(ClinicOwned):
    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="area_prices")
    area = models.CharField(max_length=60)  # protocol area code
    per_session = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )

    class Meta:
        ordering = ["area"]
        constraints = [
            models.UniqueConstraint(fields=["price_list", "area"], name="area_price_once"),
            models.CheckConstraint(condition=Q(per_session__gte=0), name="area_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.area}: {self.per_session}"


class Package(ClinicOwned):
    """A course bought up front: ``sessions`` sessions at ``discount_percent`` off."""

    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="packages")
    name = models.CharField(max_length=80)
    sessions = models.PositiveSmallIntegerField(validators=[MinValueValidator(2), MaxValueValidator(12)])
    discount_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["sessions"]
        constraints = [
            models.UniqueConstraint(fields=["price_list", "sessions"], name="package_sessions_once"),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0) & Q(discount_percent__lte=100),
                name="package_discount_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.sessions} sessions, {self.discount_percent}% off)"
