"""CSV exports of a clinic's clients, appointments and charts, streamed row by row.

Column names are the importer's canonical names, so an export re-imports as it is (clients, and
the future appointments of the appointment export). Times are the location's wall clock with its
zone named beside them; cells a spreadsheet would run as formulas get a leading apostrophe.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from needlepoint.clinic.booking.models import Appointment
from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import Clinic
from needlepoint.clinic.treatments.models import ChartEntry
from needlepoint.protocol import sides

from . import csv_writer

CLIENT_HEADER = [
    "client_id",
    "first_name",
    "last_name",
    "date_of_birth",
    "email",
    "phone",
    "fitzpatrick",
    "consent_email",
    "consent_sms",
    "archived",
]
APPOINTMENT_HEADER = [
    "appointment_id",
    "needlepoint_client_id",  # not `client_id`: ids differ in the clinic a file is imported into
    "client_email",
    "client_first_name",
    "client_last_name",
    "client_date_of_birth",
    "date",
    "time",
    "timezone",
    "start_utc",
    "end_utc",
    "appointment_type",
    "practitioner",
    "location",
    "room",
    "device",
    "status",
    "notes",
]
CHART_HEADER = [
    "chart_id",
    "appointment_id",
    "client_id",
    "client_name",
    "session_date",
    "area",
    "side",  # left / right for one side of a paired area (area is then e.g. cheeks.left), else blank
    "indication",
    "device",
    "cartridge_lot",
    "product_lot",
    "depth_mm",
    "recommended_mm",
    "override_reason",
    "passes",
    "endpoint",
    "pain_score",
    "reactions",
    "signed_at_utc",
    "signed_by",
]


def _lines(header: list[str], rows: Iterator[list[Any]]) -> Iterator[str]:
    return csv_writer.lines(header, rows)


def _yn(value: bool) -> str:
    return "yes" if value else "no"


def _utc(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else ""


def clients_csv(clinic: Clinic) -> Iterator[str]:
    qs = Client.objects.for_clinic(clinic).order_by("pk")

    def rows() -> Iterator[list[Any]]:
        for c in qs.iterator(chunk_size=2000):
            yield [
                c.pk,
                c.first_name,
                c.last_name,
                c.date_of_birth.isoformat(),
                c.email,
                c.phone,
                c.fitzpatrick or "",
                _yn(c.consent_email),
                _yn(c.consent_sms),
                _yn(c.is_archived),
            ]

    return _lines(CLIENT_HEADER, rows())


def appointments_csv(clinic: Clinic, *, since: datetime | None = None) -> Iterator[str]:
    qs = (
        Appointment.objects.for_clinic(clinic)
        .select_related("client", "appointment_type", "practitioner__user", "location", "room", "device")
        .order_by("start")
    )
    if since is not None:
        qs = qs.filter(start__gte=since)

    def rows() -> Iterator[list[Any]]:
        zones: dict[str, ZoneInfo] = {}
        for a in qs.iterator(chunk_size=2000):
            tz = zones.setdefault(a.location.timezone, ZoneInfo(a.location.timezone))
            local = a.start.astimezone(tz)
            yield [
                a.pk,
                a.client_id,
                a.client.email,
                a.client.first_name,
                a.client.last_name,
                a.client.date_of_birth.isoformat(),
                local.date().isoformat(),
                local.strftime("%H:%M"),
                a.location.timezone,
                _utc(a.start),
                _utc(a.end),
                a.appointment_type.name,
                a.practitioner.user.email,
                a.location.name,
                a.room.name,
                a.device.name if a.device else "",
                a.status,
                a.notes,
            ]

    return _lines(APPOINTMENT_HEADER, rows())


def charts_csv(clinic: Clinic) -> Iterator[str]:
    qs = (
        ChartEntry.objects.for_clinic(clinic)
        .select_related(
            "chart__appointment__location",
            "chart__client",
            "chart__signed_by__user",
            "device",
            "cartridge_lot",
            "product_lot",
        )
        .order_by("chart__appointment__start", "chart_id", "position")
    )

    def rows() -> Iterator[list[Any]]:
        for e in qs.iterator(chunk_size=2000):
            chart, appt = e.chart, e.chart.appointment
            local = appt.start.astimezone(ZoneInfo(appt.location.timezone))
            yield [
                chart.pk,
                appt.pk,
                chart.client_id,
                chart.client.full_name,
                local.date().isoformat(),
                e.area,
                sides.split(e.area)[1] or "",
                e.indication,
                e.device.name,
                e.cartridge_lot.lot_number,
                e.product_lot.lot_number if e.product_lot else "",
                e.depth_mm,
                e.recommended_mm,
                e.override_reason,
                e.passes,
                e.endpoint,
                e.pain_score,
                ";".join(e.reactions or []),
                _utc(chart.signed_at),
                chart.signed_by.name if chart.signed_by else "",
            ]

    return _lines(CHART_HEADER, rows())


EXPORTS = {"clients": clients_csv, "appointments": appointments_csv, "charts": charts_csv}
