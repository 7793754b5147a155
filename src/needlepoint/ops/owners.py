"""Creating a clinic's first owner from the command line."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from needlepoint.clinic.accounts.models import Membership, Role, User
from needlepoint.clinic.clinics.models import Clinic, Location, validate_timezone


@transaction.atomic
def create_owner(
    *,
    email: str,
    password: str,
    clinic_name: str,
    timezone: str,
    currency: str = "GBP",
    location_name: str = "Main",
) -> Membership:
    """Create (or reuse) the clinic and its first location, and make `email` its owner."""
    validate_timezone(timezone)
    slug = slugify(clinic_name)[:60]
    if not slug:
        raise ValidationError("The clinic needs a name.")
    clinic, created = Clinic.objects.get_or_create(
        slug=slug, defaults={"name": clinic_name, "currency": currency}
    )
    clinic.full_clean()
    if created:
        Location.objects.create(clinic=clinic, name=location_name, timezone=timezone)
    user = User.objects.filter(email=email.lower()).first()
    if user is None:
        validate_password(password, User(email=email))
        user = User(email=email.lower())
        user.full_clean(exclude=["password"])
        user.set_password(password)
        user.save()
    membership, _ = Membership.objects.update_or_create(
        clinic=clinic, user=user, defaults={"role": Role.OWNER, "is_active": True}
    )
    return membership
