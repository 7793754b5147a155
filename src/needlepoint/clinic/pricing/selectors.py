"""Reads of a clinic's prices."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import QuerySet

from needlepoint.clinic.clinics.models import Clinic

from .models import AreaPrice, Package, PriceList


def price_list_of(clinic: Clinic) -> PriceList | None:
    return PriceList.objects.for_clinic(clinic).first()


def area_prices(clinic: Clinic) -> dict[str, Decimal]:
    return {p.area: p.per_session for p in AreaPrice.objects.for_clinic(clinic)}


def packages(clinic: Clinic) -> QuerySet[Package]:
    return Package.objects.for_clinic(clinic).order_by("sessions")
