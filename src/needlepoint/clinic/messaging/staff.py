"""Who receives a clinic's staff alerts (red-flag reaction reports: client name, symptoms, free
text): its owners and practitioners whose membership and account are both active. Checked when an
alert is queued and again by the worker when it sends, so someone deactivated in between gets
nothing."""

from __future__ import annotations

from collections.abc import Iterable

from needlepoint.clinic.accounts.models import Membership, Role

ALERT_ROLES = (Role.OWNER, Role.PRACTITIONER)


def _active(clinic_ids: Iterable[int]):  # type: ignore[no-untyped-def]
    return Membership.objects.filter(
        clinic_id__in=list(clinic_ids), role__in=ALERT_ROLES, is_active=True, user__is_active=True
    ).values_list("clinic_id", "user__email")


def alert_addresses(clinic_id: int) -> list[str]:
    return sorted({email.lower() for _, email in _active([clinic_id]) if email})


def still_alerted(pairs: Iterable[tuple[int, str]]) -> set[tuple[int, str]]:
    """Of (clinic id, address) pairs, those that are an alert recipient of that clinic now."""
    pairs = list(pairs)
    current = {(clinic_id, email.lower()) for clinic_id, email in _active({c for c, _ in pairs}) if email}
    return {(c, a) for c, a in pairs if (c, a.lower()) in current}
