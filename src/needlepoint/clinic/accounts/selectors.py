"""Reads about staff and their clinics."""

from __future__ import annotations

from django.db.models import QuerySet

from needlepoint.clinic.clinics.models import Clinic

from .models import Membership, Role, User


def active_memberships(user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user, is_active=True, user__is_active=True)
        .select_related("clinic")
        .order_by("clinic__name")
    )


def staff_of(clinic: Clinic) -> QuerySet[Membership]:
    return Membership.objects.for_clinic(clinic).select_related("user").order_by("role", "user__email")


def practitioners_of(clinic: Clinic) -> QuerySet[Membership]:
    return staff_of(clinic).filter(role=Role.PRACTITIONER, is_active=True)
