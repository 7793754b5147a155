"""Outcomes reacts to a signed chart: each adverse immediate reaction charted opens an adverse
event, in the signing transaction (registered in OutcomesConfig.ready())."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from needlepoint.clinic import events
from needlepoint.clinic.booking.models import Appointment
from needlepoint.clinic.treatments.errors import WrongState
from needlepoint.clinic.treatments.vocab import REACTION_BY_CODE

from .services import OutcomeError, open_adverse_event


def _chart_signed(event: events.ChartSigned) -> None:
    chart = event.chart
    entries = [e for e in chart.entries.select_related("cartridge_lot", "device") if e.reactions]
    if not any(REACTION_BY_CODE[code].adverse for entry in entries for code in entry.reactions):
        return
    appointment = Appointment.objects.select_related("clinic", "location", "device").get(
        pk=chart.appointment_id
    )
    signed_at = chart.signed_at
    # This app refuses an onset after today's UTC date; east of UTC the local date can be a day
    # ahead.
    onset = min(signed_at.astimezone(ZoneInfo(appointment.location.timezone)).date(), signed_at.date())
    for entry in entries:
        for code in entry.reactions:
            reaction = REACTION_BY_CODE[code]
            if not reaction.adverse:
                continue
            try:
                open_adverse_event(
                    appointment.clinic,
                    client=chart.client,
                    source=f"chart:{chart.pk}",
                    type=reaction.event_type,
                    severity=reaction.severity,
                    appointment=appointment,
                    description=(
                        f"{reaction.label} during treatment of {entry.area_name} "
                        f"({entry.depth_mm} mm, {entry.passes} passes)."
                        + (f" {entry.reaction_notes}" if entry.reaction_notes else "")
                    ),
                    onset=onset,
                    area=entry.area,
                    lot=entry.cartridge_lot,
                    device=entry.device,
                    symptoms=[code],
                    actor=event.signed_by,
                )
            except OutcomeError as exc:  # refused in the signer's terms: the chart stays unsigned
                raise WrongState(f"Could not open the adverse event: {exc}") from exc


def register() -> None:
    events.subscribe(events.ChartSigned, _chart_signed)
