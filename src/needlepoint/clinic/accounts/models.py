"""Staff accounts. A person signs in once and works in one or more clinics, with a role in each."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models

from needlepoint.clinic.clinics.models import Clinic, ClinicOwned, Location


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=normalise_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, username: str | None) -> User:
        # Sign-in is case-insensitive: "Owner@Clinic.example" is owner@clinic.example.
        return self.get(email=normalise_email(username or ""))

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    """Signs in with an email address; the username field is not used."""

    username = None  # type: ignore[assignment]
    email = models.EmailField("email address", unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def save(self, *args: Any, **kwargs: Any) -> None:
        # One spelling per address: sign-in, invitations and lockouts all compare lower-case.
        self.email = normalise_email(self.email)
        super().save(*args, **kwargs)


def normalise_email(raw: str) -> str:
    return (raw or "").strip().lower()


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    PRACTITIONER = "practitioner", "Practitioner"
    FRONT_DESK = "front_desk", "Front desk"


class Membership(ClinicOwned):
    """A user's role in one clinic. Practitioners also list the locations they work at."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    display_name = models.CharField(max_length=120, blank=True)
    locations = models.ManyToManyField(Location, blank=True, related_name="staff")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["clinic__name", "user__email"]
        constraints = [models.UniqueConstraint(fields=["user", "clinic"], name="one_membership_per_clinic")]

    def __str__(self) -> str:
        return f"{self.name} — {self.get_role_display()} at {self.clinic}"

    @property
    def name(self) -> str:
        return self.display_name or str(self.user)

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER


class ApiToken(ClinicOwned):
    """A staff member's token for the REST API, tied to one membership (so one clinic and role).
    Only a SHA-256 hash is stored: the token is shown once, when it is created."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, help_text="The first characters, to recognise the token.")
    token_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Invitation(ClinicOwned):
    """An owner's invitation for one address to join the clinic with a role. The link's token is
    shown only in the email; only its SHA-256 hash is stored. Single use, time-limited; a
    Membership exists only once the person (new, or signed in as that address) accepts."""

    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Role.choices)
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["clinic", "email"])]

    def __str__(self) -> str:
        return f"Invitation for {self.email} ({self.get_role_display()})"

    def is_pending(self, now: datetime) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > now


__all__ = ["ApiToken", "Clinic", "Invitation", "Membership", "Role", "User"]
