"""Which fields are clinical: declared once, read by every surface that shows a record.

Front desk books, checks in and takes payment. It needs to know that an intake exists (its
version and date), a plan's status, areas by name, sessions and booking windows, the price,
and whether consent is signed; not the client's medical answers, screening findings, depths,
practitioners' notes, photos, reaction or adverse-event texts, or chart contents. Reading
those is ``Action.READ_CLINICAL`` (owners and practitioners, ``permissions.STAFF_RULES``).

``CLASSIFICATION`` sorts every concrete field of every model of the clinical apps into
*administrative* or *clinical* (tests/clinic/test_sensitivity.py fails on a field or model
nobody sorted). A model with nothing administrative beyond its keys is clinical as a whole row
(``is_clinical_row``). Serializers call ``redact``, template contexts wrap objects in
``shown``, lists of whole-clinical rows go through ``rows``, and the message log through
``message_kinds_hidden``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

from django.apps import apps
from django.db.models import Model, QuerySet

from .permissions import Action, Actor, may

T = TypeVar("T")
Q = TypeVar("Q", bound=QuerySet[Any])

#: Keys every row has; they say nothing about the client's health.
KEYS = frozenset({"id", "clinic"})

#: Apps whose every model must be classified (a new model there fails the census test).
CLINICAL_APPS = ("intake", "plans", "consent", "treatments", "outcomes", "messaging")


@dataclass(frozen=True)
class Fields:
    administrative: frozenset[str]
    clinical: frozenset[str]


def _f(administrative: str, clinical: str) -> Fields:
    return Fields(frozenset(administrative.split()), frozenset(clinical.split()))


CLASSIFICATION: dict[str, Fields] = {
    # An intake's existence, version and date; every answer is clinical.
    "intake.Intake": _f(
        "client version source entered_by protocol_id protocol_version submitted_at",
        "fitzpatrick conditions medications skin_state areas allergies other_conditions "
        "other_medications goals",
    ),
    "intake.IntakePhoto": _f("intake", "area caption image created_at"),
    # Status, series and booking windows, price; numbing agent too (front desk applies the
    # cream at check-in, from the plan's agent).
    "plans.TreatmentPlan": _f(
        "client intake supersedes status protocol_id protocol_version device device_kind numbing "
        "numbing_agent start_date planned_on sessions gap_min_days gap_max_days first_earliest "
        "first_latest price price_agreed currency created_by created_at updated_at confirmed_by "
        "confirmed_at ended_at",
        "device_max_mm engine_plan engine_status schedule_reason notes end_reason",
    ),
    "plans.PlanArea": _f(
        "plan position area area_name",
        "indication indication_name goodman_baron_grade recommended_mm depth_mm cap_mm override_reason",
    ),
    "plans.PlanFinding": _f(
        "plan",
        "code severity applies_to area area_name reason action note until citations acknowledged_by "
        "acknowledged_at acknowledgement_note",
    ),
    # The consent text is what the client reads and signs, on the clinic tablet that any staff
    # member hands over, or in the portal: it is the client's own document.
    "consent.ConsentDocument": _f(
        "plan client version title text text_sha256 protocol_id protocol_version created_by created_at",
        "",
    ),
    "consent.ConsentSignature": _f(
        "document plan client typed_name signature_png signed_at channel witnessed_by ip user_agent "
        "sha256 pdf pdf_sha256",
        "",
    ),
    # Check-in and the numbing clock are front desk's work.
    "treatments.NumbingApplication": _f(
        "appointment applied_at agent agent_name concentration areas surface_cm2 amount_g onset_minutes "
        "effect_min_minutes effect_max_minutes max_area_cm2 max_grams removed_at notes recorded_by "
        "created_at",
        "",
    ),
    "treatments.Lot": _f(
        "location kind product_name lot_number expiry quantity_received quantity_used received_at "
        "received_by recalled_at recall_reason recalled_by notes created_at",
        "",
    ),
    "treatments.Chart": _f(
        "appointment client",
        "plan protocol_id protocol_version notes created_by created_at updated_at signed_by signed_at "
        "signature_name",
    ),
    "treatments.ChartEntry": _f(
        "chart",
        "position area area_name indication device cartridge_lot depth_mm recommended_mm planned_mm "
        "cap_mm override_reason passes product_lot endpoint pain_score reactions reaction_notes "
        "created_by created_at",
    ),
    "treatments.ChartAddendum": _f("chart", "entry text author created_at"),
    "treatments.TreatmentPhoto": _f(
        "client appointment",
        "area view phase image thumbnail width height taken_at uploaded_by created_at",
    ),
    "outcomes.AdverseEvent": _f(
        "client",
        "appointment source origin type symptoms severity onset area device lot lot_code description "
        "treatment_given status reported_by resolved_on resolution created_at",
    ),
    "outcomes.FollowUpTask": _f("event", "title due_on done_at done_by created_at"),
    "outcomes.OutcomeScore": _f(
        "client appointment",
        "practitioner area indication scale value detail session_at improvement is_latest recorded_by "
        "recorded_at",
    ),
    "messaging.MessageTemplate": _f("kind language subject body sms_body", ""),
    "messaging.MessagingSettings": _f(
        "quiet_hours_enabled quiet_start quiet_end numbing_at_home max_attempts touch_up_days "
        "review_days next_session_days_before redness_days_flag sms_number",
        "",
    ),
    # Reminders and aftercare are what the client is sent; a message of a kind in
    # CLINICAL_MESSAGE_KINDS (the red-flag alert: symptoms, free text) is clinical as a row.
    "messaging.OutboxMessage": _f(
        "client appointment kind channel recipient subject body timezone due_at status attempts "
        "max_attempts next_attempt_at last_error idempotency_key locked_by locked_until sent_at "
        "provider_message_id created_at",
        "",
    ),
    "messaging.DeliveryAttempt": _f("message attempt worker ok error provider_message_id at", ""),
    "messaging.ReactionReport": _f(
        "client appointment",
        # Who acknowledged a red flag is part of the clinical triage (front desk sees only that
        # one still needs a practitioner), so the row stays clinical as a whole.
        "symptoms days_since_session redness_days free_text red_flags source created_at acknowledged_by "
        "acknowledged_at",
    ),
    # Replies from clients are mostly about bookings: front desk reads and answers them. A reply
    # with red-flag words is clinical as a row (`clinical`, like CLINICAL_MESSAGE_KINDS below):
    # its subject and text are hidden from front desk (inbound_hidden; messaging.conversations).
    "messaging.Conversation": _f("client last_inbound_at created_at", ""),
    "messaging.InboundMessage": _f(
        "conversation client channel sender recipient subject body provider_id received_at keyword "
        "clinical unmatched_reason reaction_report handled_at handled_by",
        "",
    ),
    "messaging.ReactionPhoto": _f("report", "image"),
}

#: Outbox kinds whose subject and body carry clinical text (hidden from the log as whole rows).
CLINICAL_MESSAGE_KINDS = frozenset({"staff_alert"})


def label_of(model: type[Model] | Model | str) -> str:
    return model if isinstance(model, str) else model._meta.label


def clinical_fields(model: type[Model] | Model | str) -> frozenset[str]:
    return CLASSIFICATION[label_of(model)].clinical


def is_clinical_row(model: type[Model] | Model | str) -> bool:
    """Nothing but links to other rows is administrative: the row itself is clinical."""
    return _clinical_row(label_of(model))


@cache
def _clinical_row(label: str) -> bool:
    fields = CLASSIFICATION[label]
    meta = apps.get_model(label)._meta
    return bool(fields.clinical) and all(meta.get_field(f).is_relation for f in fields.administrative)


def reads_clinical(actor: Actor) -> bool:
    return may(actor, Action.READ_CLINICAL)


def redact(actor: Actor, model: type[Model] | Model | str, data: dict[str, Any]) -> dict[str, Any]:
    """A serialized row for `actor`: clinical values become None for an actor who may not read them."""
    if reads_clinical(actor):
        return data
    hidden = clinical_fields(model)
    # FKs are serialized as `<name>_id`.
    return {k: None if k in hidden or k.removesuffix("_id") in hidden else v for k, v in data.items()}


def rows(actor: Actor, model: type[Model] | Model | str, items: Iterable[T]) -> list[T]:
    """Rows of a whole-row-clinical model (findings, photos…): none for an actor who may not read them."""
    if is_clinical_row(model) and not reads_clinical(actor):
        return []
    return list(items)


def message_kinds_hidden(actor: Actor) -> frozenset[str]:
    return frozenset() if reads_clinical(actor) else CLINICAL_MESSAGE_KINDS


def inbound_hidden(actor: Actor, clinical: bool) -> bool:
    """Whether a client's reply (its subject and text) is hidden from `actor`."""
    return clinical and not reads_clinical(actor)


def visible_messages(actor: Actor, qs: Q) -> Q:
    """The outbox as `actor` may read it: without the red-flag alerts for front desk."""
    hidden = message_kinds_hidden(actor)
    return qs.exclude(kind__in=hidden) if hidden else qs


class _Redacted:
    """A model instance as a template sees it for an actor without READ_CLINICAL: clinical
    attributes read as None (``|default`` shows a dash), everything else as the real object."""

    __slots__ = ("_hidden", "_obj")

    def __init__(self, obj: Model) -> None:
        self._obj = obj
        self._hidden = clinical_fields(obj)

    def __getattr__(self, name: str) -> Any:
        field = name.removeprefix("get_").removesuffix("_display") if name.endswith("_display") else name
        if field in self._hidden or field.removesuffix("_id") in self._hidden:
            return None
        return getattr(self._obj, name)

    def __str__(self) -> str:
        return str(self._obj)


def shown(actor: Actor, obj: T) -> T:
    """`obj` for a template: itself for clinical staff, with clinical fields blanked otherwise."""
    if obj is None or reads_clinical(actor):
        return obj
    return _Redacted(obj)  # type: ignore[arg-type, return-value]
