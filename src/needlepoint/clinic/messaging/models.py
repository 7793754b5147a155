"""Templates, per-clinic settings, the outbox and its delivery log, client reaction reports, and
replies from clients (a conversation per client, its inbound messages)."""

from __future__ import annotations

from datetime import time
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from needlepoint.clinic.accounts.models import Membership
from needlepoint.clinic.booking.models import Appointment
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import ClinicOwned

from .languages import normalise_language


class Kind(models.TextChoices):
    REMINDER_48H = "reminder_48h", "Appointment reminder (48 h)"
    REMINDER_24H = "reminder_24h", "Appointment reminder (24 h)"
    NUMBING = "numbing", "Numbing reminder (numbing at home)"
    AFTERCARE = "aftercare", "Post-session instructions"
    MAKEUP_OK = "makeup_ok", "Make-up OK from …"
    ACTIVES_OK = "actives_ok", "Actives OK from …"
    CHECKIN = "checkin", "48 h check-in"
    NEXT_SESSION = "next_session", "Next-session reminder"
    REVIEW = "review", "Review request after the series"
    TOUCH_UP = "touch_up", "Touch-up reminder"
    STAFF_ALERT = "staff_alert", "Staff alert (red-flag reaction)"
    SIGN_IN_LINK = "sign_in_link", "Portal sign-in link"
    STAFF_INVITATION = "staff_invitation", "Staff invitation"
    STAFF_ANSWER = "staff_answer", "Answer to a client's reply"
    KEYWORD_REPLY = "keyword_reply", "Confirmation of STOP / START"
    RECEIPT = "receipt", "Receipt after checkout"
    PAYMENT_FAILED = "payment_failed", "Card payment failed (membership, fee)"


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"


class Status(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    WITHDRAWN = "withdrawn", "Withdrawn"
    SKIPPED = "skipped", "Skipped"


class MessageTemplate(ClinicOwned):
    """A clinic's wording for one kind of message in one language; the built-in English text is
    used when none matches (see templates.py)."""

    kind = models.CharField(max_length=20, choices=Kind.choices)
    language = models.CharField(max_length=10, default="en", help_text="e.g. en, fr, pt-BR")
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    sms_body = models.CharField(max_length=480, blank=True, help_text="Blank: the body is used.")

    class Meta:
        ordering = ["kind", "language"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "kind", "language"], name="message_template_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} [{self.language}]"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # One spelling per tag ('en-gb' and 'en-GB' are the same wording); lookups normalise too.
        self.language = normalise_language(self.language)
        super().save(*args, **kwargs)


class MessagingSettings(ClinicOwned):
    """One per clinic. Quiet hours are local wall-clock times at the appointment's location."""

    quiet_hours_enabled = models.BooleanField(default=True)
    quiet_start = models.TimeField(default=time(21, 0))
    quiet_end = models.TimeField(default=time(8, 0))
    numbing_at_home = models.BooleanField(
        default=False, help_text="Clients apply numbing cream at home: send a numbing reminder."
    )
    max_attempts = models.PositiveSmallIntegerField(
        default=6, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    touch_up_days = models.PositiveSmallIntegerField(
        default=180, help_text="Days after the last session of a series for the touch-up reminder."
    )
    review_days = models.PositiveSmallIntegerField(default=7)
    next_session_days_before = models.PositiveSmallIntegerField(
        default=7, help_text="Days before the next session of a series for the next-session reminder."
    )
    redness_days_flag = models.PositiveSmallIntegerField(
        default=3, help_text="Redness reported beyond this many days counts as prolonged."
    )
    sms_number = models.CharField(
        "SMS number",
        max_length=20,
        blank=True,
        help_text="The clinic's texting number in international format (+447700900123). Texts to it "
        "land in this clinic's inbox, and the clinic's texts are sent from it.",
    )

    class Meta:
        verbose_name_plural = "messaging settings"
        constraints = [
            models.UniqueConstraint(fields=["clinic"], name="one_messaging_settings_per_clinic"),
            # A text to the number must belong to one clinic.
            models.UniqueConstraint(
                fields=["sms_number"], condition=~Q(sms_number=""), name="one_clinic_per_sms_number"
            ),
        ]


class OutboxMessage(ClinicOwned):
    # Blank for mail to someone who is not a client (a staff invitation: messaging.services.queue_email).
    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="+", db_index=False, null=True, blank=True
    )
    appointment = models.ForeignKey(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    recipient = models.CharField(max_length=254)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    timezone = models.CharField(max_length=64, default="UTC", help_text="Local zone for quiet hours")
    due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=6)
    next_attempt_at = models.DateTimeField()
    last_error = models.CharField(max_length=500, blank=True)
    idempotency_key = models.CharField(max_length=120, unique=True)
    locked_by = models.CharField(max_length=80, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    provider_message_id = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at"]
        indexes = [
            # The worker's claim query: due pending rows (partial index keeps it small).
            models.Index(
                fields=["next_attempt_at"], name="outbox_due", condition=Q(status__in=["pending", "sending"])
            ),
            models.Index(fields=["clinic", "client", "due_at"], name="outbox_client"),
            models.Index(fields=["appointment", "status"], name="outbox_appt"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}/{self.channel} → {self.recipient} ({self.status})"


class DeliveryAttempt(ClinicOwned):
    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="attempt_log")
    attempt = models.PositiveSmallIntegerField()
    worker = models.CharField(max_length=80)
    ok = models.BooleanField()
    error = models.CharField(max_length=500, blank=True)
    provider_message_id = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at"]


class ReportSource(models.TextChoices):
    PORTAL = "portal", "Reaction report form"
    SMS = "sms", "Text message reply"
    EMAIL = "email", "Email reply"


class ReactionReport(ClinicOwned):
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="reaction_reports")
    appointment = models.ForeignKey(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    symptoms = models.JSONField(default=list)
    days_since_session = models.PositiveSmallIntegerField(null=True, blank=True)
    redness_days = models.PositiveSmallIntegerField(null=True, blank=True)
    free_text = models.TextField(blank=True)
    red_flags = models.JSONField(default=list)
    # A reply by text or email with red-flag words opens a report too (messaging.inbound).
    source = models.CharField(max_length=10, choices=ReportSource.choices, default=ReportSource.PORTAL)
    created_at = models.DateTimeField(auto_now_add=True)
    # A red-flag report heads the day sheet until a clinician says they have seen it.
    acknowledged_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    @property
    def is_red_flag(self) -> bool:
        return bool(self.red_flags)


class ReactionPhoto(ClinicOwned):
    report = models.ForeignKey(ReactionReport, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to="reactions/%Y/%m/")


class Conversation(ClinicOwned):
    """One per client: their replies (InboundMessage) and the staff's answers (outbox rows of
    kind STAFF_ANSWER / KEYWORD_REPLY for the client)."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    last_inbound_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-last_inbound_at"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "client"], name="one_conversation_per_client")
        ]


class Keyword(models.TextChoices):
    STOP = "stop", "STOP (no more texts)"
    START = "start", "START (texts again)"


class InboundMessage(ClinicOwned):
    """A text or email from a client (or from a number nobody could match: client blank, for
    the owner to review). Unread until a staff member answers or marks it handled."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, null=True, blank=True, related_name="messages"
    )
    client = models.ForeignKey(Client, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    sender = models.CharField(max_length=254)
    recipient = models.CharField(max_length=254)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True, help_text="The new text; quoted history is removed.")
    # Twilio's MessageSid or the email's Message-ID: a replayed webhook is stored once.
    provider_id = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField()
    keyword = models.CharField(max_length=8, choices=Keyword.choices, blank=True)
    # Red-flag words: the text is clinical (hidden from front desk) and opened reaction_report.
    clinical = models.BooleanField(default=False)
    unmatched_reason = models.CharField(max_length=120, blank=True)
    reaction_report = models.ForeignKey(
        ReactionReport, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "provider_id"],
                condition=~Q(provider_id=""),
                name="inbound_once_per_provider_id",
            )
        ]
        indexes = [
            models.Index(
                fields=["clinic", "received_at"], name="inbound_unread", condition=Q(handled_at=None)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} from {self.sender} at {self.received_at:%Y-%m-%d %H:%M}"
