"""Reads for the payments pages, the API and the portal."""

from __future__ import annotations

from django.db.models import QuerySet

from needlepoint.clinic.booking.models import Appointment
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import Clinic

from .models import ClientPackage, ClientPackageStatus, Invoice, PaymentSettings, Tender


def settings_for(clinic: Clinic | int) -> PaymentSettings:
    """The clinic's payment settings (created with defaults on first use)."""
    clinic_id = clinic if isinstance(clinic, int) else clinic.pk
    found = PaymentSettings.objects.filter(clinic_id=clinic_id).first()
    if found is not None:
        return found
    obj, _ = PaymentSettings.objects.get_or_create(clinic_id=clinic_id)
    return obj


def invoices_for(client: Client) -> QuerySet[Invoice]:
    return Invoice.objects.filter(client=client).order_by("-issued_at")


def invoice_of(appointment: Appointment) -> Invoice | None:
    return Invoice.objects.filter(appointment=appointment).first()


def tenders_for(client: Client) -> QuerySet[Tender]:
    return Tender.objects.filter(client=client).order_by("-created_at")


def active_packages(client: Client) -> QuerySet[ClientPackage]:
    return ClientPackage.objects.filter(client=client, status=ClientPackageStatus.ACTIVE).order_by(
        "expires_at"
    )


def credits_left(package: ClientPackage) -> int:
    return int(package.sessions_total - package.redemptions.count())
