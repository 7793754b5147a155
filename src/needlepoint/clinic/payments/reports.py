"""Money reports for owners: takings per local day, location and method; outstanding balances;
deferred revenue (unused package credit); revenue per practitioner and per treatment; and the
reconciliation of a Stripe export against what we recorded. Everything is read from the ledger,
invoices and tenders (nothing here writes), and ``to_csv`` gives each table to the accountant.

Days are the *location's* local days: a payment at 23:30 UTC on the night the clocks go forward
in London belongs to the next London day. Rows are fetched for the UTC span that covers the
period in every location's zone and bucketed in Python by each row's own location zone, so a
23- or 25-hour day is counted exactly.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Sum
from django.db.models.functions import Coalesce

from needlepoint.clinic.clients.models import Client
from needlepoint.clinic.clinics.models import Clinic, Location
from needlepoint.clinic.clinics.selectors import clinic_zone
from needlepoint.clinic.errors import InvalidInput
from needlepoint.clinic.permissions import Action, Actor, require
from needlepoint.interop import csv_writer

from .models import (
    Account,
    ClientPackage,
    ClientPackageStatus,
    EntryKind,
    Invoice,
    InvoiceLine,
    ItemKind,
    LedgerEntry,
    Method,
    Tender,
    TenderStatus,
)
from .money import to_major, to_minor

#: Longest period one report covers (a year and a day: a leap year's whole year).
MAX_DAYS = 366
#: Ledger kinds that move money in or out of the till (refunds negative).
TAKINGS_KINDS = (EntryKind.PAYMENT, EntryKind.DEPOSIT_PAID, EntryKind.REFUND, EntryKind.DEPOSIT_REFUNDED)
NO_LOCATION = "No location"


@dataclass(frozen=True)
class Period:
    """Local calendar days, both ends included."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise InvalidInput("The period ends before it starts.", field="last")
        if (self.last - self.first).days + 1 > MAX_DAYS:
            raise InvalidInput(f"A report covers at most {MAX_DAYS} days.", field="last")

    def bounds(self, zone: str) -> tuple[datetime, datetime]:
        """[start, end) in UTC of the period's local days in `zone` (DST-correct)."""
        tz = ZoneInfo(zone)
        start = datetime.combine(self.first, time(0), tzinfo=tz)
        end = datetime.combine(self.last + timedelta(days=1), time(0), tzinfo=tz)
        return start.astimezone(ZoneInfo("UTC")), end.astimezone(ZoneInfo("UTC"))

    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        first = date(year, month, 1)
        following = date(year + month // 12, month % 12 + 1, 1)
        return cls(first, following - timedelta(days=1))


class _Zones:
    """Each location's zone, and the UTC span covering the period in all of them."""

    def __init__(self, clinic: Clinic, period: Period) -> None:
        self.default = clinic_zone(clinic)
        self.locations = {
            loc.pk: loc for loc in Location.objects.for_clinic(clinic).order_by("pk").only("name", "timezone")
        }
        self.tz = {pk: ZoneInfo(loc.timezone) for pk, loc in self.locations.items()}
        self.default_tz = ZoneInfo(self.default)
        spans = [period.bounds(z) for z in {self.default, *(loc.timezone for loc in self.locations.values())}]
        self.start = min(s for s, _ in spans)
        self.end = max(e for _, e in spans)
        self.period = period

    def local_day(self, at: datetime, location_id: int | None) -> date | None:
        """The local day of `at` at the location, or None when it falls outside the period."""
        tz = self.tz.get(location_id, self.default_tz) if location_id else self.default_tz
        day = at.astimezone(tz).date()
        return day if self.period.first <= day <= self.period.last else None

    def name(self, location_id: int | None) -> str:
        loc = self.locations.get(location_id) if location_id else None
        return loc.name if loc else NO_LOCATION


# --- takings ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TakingsRow:
    day: date
    location_id: int | None
    location: str
    method: str
    amount_minor: int  # money in less money back
    payments: int  # entries counted (payments and refunds)


def takings(clinic: Clinic, period: Period, *, actor: Actor) -> list[TakingsRow]:
    """Money taken per local day × location × method: payments and deposits in, refunds out.
    Package credit and applied deposits are not money and are not counted."""
    require(actor, Action.MONEY_REPORTS, clinic)
    return _takings(clinic, _Zones(clinic, period))


def _takings(clinic: Clinic, zones: _Zones) -> list[TakingsRow]:
    rows = (
        LedgerEntry.objects.filter(
            clinic=clinic,
            kind__in=TAKINGS_KINDS,
            created_at__gte=zones.start,
            created_at__lt=zones.end,
        )
        .annotate(where=Coalesce("location_id", "tender__location_id", "appointment__location_id"))
        .values_list("created_at", "where", "method", "account", "amount_minor")
    )
    sums: dict[tuple[date, int | None, str], list[int]] = defaultdict(lambda: [0, 0])
    for at, where, method, account, amount in rows:
        day = zones.local_day(at, where)
        if day is None:
            continue
        cell = sums[(day, where, method or "")]
        # DEPOSIT entries run in the money's direction; RECEIVABLE ones against it.
        cell[0] += amount if account == Account.DEPOSIT else -amount
        cell[1] += 1
    labels = dict(Method.choices)
    return [
        TakingsRow(day, loc, zones.name(loc), str(labels.get(method, method or "—")), total, n)
        for (day, loc, method), (total, n) in sorted(
            sums.items(), key=lambda kv: (kv[0][0], zones.name(kv[0][1]), kv[0][2])
        )
    ]


def takings_totals(rows: Iterable[TakingsRow]) -> dict[str, int]:
    """Per method over the whole period (the page's summary line)."""
    out: dict[str, int] = defaultdict(int)
    for r in rows:
        out[r.method] += r.amount_minor
    return dict(sorted(out.items()))


# --- balances and deferred revenue --------------------------------------------------------------


@dataclass(frozen=True)
class BalanceRow:
    client_id: int
    client: str
    amount_minor: int  # owed: the client owes the clinic; credit: unused package value


def _as_of(clinic: Clinic, period: Period) -> datetime:
    return period.bounds(clinic_zone(clinic))[1]


def _per_client(clinic: Clinic, account: str, until: datetime) -> list[BalanceRow]:
    sums = (
        LedgerEntry.objects.filter(clinic=clinic, account=account, created_at__lt=until)
        .values("client_id")
        .annotate(total=Sum("amount_minor"))
        .exclude(total=0)
        .values_list("client_id", "total")
    )
    totals = dict(sums)
    names = {
        pk: f"{first} {last}".strip()
        for pk, first, last in Client.objects.for_clinic(clinic)
        .filter(pk__in=totals)
        .values_list("pk", "first_name", "last_name")
    }
    return sorted(
        (BalanceRow(pk, names.get(pk, f"Client {pk}"), int(t)) for pk, t in totals.items()),
        key=lambda r: (-r.amount_minor, r.client),
    )


def outstanding_balances(clinic: Clinic, period: Period, *, actor: Actor) -> list[BalanceRow]:
    """Clients whose account is not settled at the end of the period (positive: they owe us;
    negative: we owe them, e.g. an overpayment)."""
    require(actor, Action.MONEY_REPORTS, clinic)
    return _per_client(clinic, Account.RECEIVABLE, _as_of(clinic, period))


@dataclass(frozen=True)
class DeferredPackage:
    client_package_id: int
    client_id: int
    client: str
    name: str
    sessions_left: int
    value_left_minor: int
    expires_at: datetime


@dataclass(frozen=True)
class Deferred:
    total_minor: int  # the CREDIT account's balance at the end of the period
    per_client: list[BalanceRow]
    packages: list[DeferredPackage]  # active packages now, with the value of their unused credits


def deferred_revenue(clinic: Clinic, period: Period, *, actor: Actor) -> Deferred:
    """Prepaid package value not yet earned: the ledger's CREDIT account (what the accounts
    carry), and per active package the value of its unused sessions (what the clinic still owes
    in treatments)."""
    require(actor, Action.MONEY_REPORTS, clinic)
    per_client = _per_client(clinic, Account.CREDIT, _as_of(clinic, period))
    # Aggregated in SQL, read as tuples: a chain has thousands of packages.
    rows = (
        ClientPackage.objects.for_clinic(clinic)
        .filter(status=ClientPackageStatus.ACTIVE)
        .annotate(used=Count("redemptions"), redeemed=Coalesce(Sum("redemptions__value_minor"), 0))
        .filter(used__lt=F("sessions_total"))
        .order_by("expires_at", "pk")
        .values_list(
            "pk",
            "client_id",
            "client__first_name",
            "client__last_name",
            "name",
            "sessions_total",
            "used",
            "price_minor",
            "redeemed",
            "expires_at",
        )
    )
    packages = [
        DeferredPackage(
            pk, client_id, f"{first} {last}".strip(), name, total - used, price - redeemed, expires
        )
        for pk, client_id, first, last, name, total, used, price, redeemed, expires in rows
    ]
    return Deferred(sum(r.amount_minor for r in per_client), per_client, packages)


# --- revenue --------------------------------------------------------------------------------------


@dataclass
class RevenueRow:
    key: str
    invoices: int = 0
    quantity: int = 0
    net_minor: int = 0
    tax_minor: int = 0
    gross_minor: int = 0
    credit_minor: int = 0  # of the gross, paid with package credit earlier
    tip_minor: int = 0
    refunded_minor: int = 0  # credit notes posted in the period on this row's invoices
    _seen: set[int] = field(default_factory=set, repr=False)

    def add_invoice(self, pk: int) -> None:
        if pk not in self._seen:
            self._seen.add(pk)
            self.invoices += 1


@dataclass(frozen=True)
class Revenue:
    per_practitioner: list[RevenueRow]
    per_treatment: list[RevenueRow]


@dataclass(frozen=True)
class _Issued:
    practitioner_id: int | None
    tip_minor: int


def _invoices_in(clinic: Clinic, zones: _Zones) -> dict[int, _Issued]:
    found = Invoice.objects.filter(
        clinic=clinic, issued_at__gte=zones.start, issued_at__lt=zones.end
    ).values_list("pk", "issued_at", "location_id", "practitioner_id", "tip_minor")
    return {
        pk: _Issued(practitioner_id, tip)
        for pk, at, location_id, practitioner_id, tip in found
        if zones.local_day(at, location_id) is not None
    }


def revenue(clinic: Clinic, period: Period, *, actor: Actor) -> Revenue:
    """Sales on invoices issued in the period (by the location's local day), ex- and incl. tax,
    per practitioner and per treatment or product. Package *sales* are deferred revenue and
    left out here (the session that redeems a credit carries its value: its ``credit`` column);
    tips are shown apart; refunds are the credit notes posted in the period."""
    require(actor, Action.MONEY_REPORTS, clinic)
    zones = _Zones(clinic, period)
    invoices = _invoices_in(clinic, zones)
    practitioners: dict[str, RevenueRow] = {}
    treatments: dict[str, RevenueRow] = {}
    names = _practitioner_names(clinic)
    who = {pk: names.get(inv.practitioner_id, "No practitioner") for pk, inv in invoices.items()}
    lines = (
        InvoiceLine.objects.filter(invoice_id__in=list(invoices))
        .exclude(kind=ItemKind.PACKAGE)
        .values_list(
            "invoice_id",
            "kind",
            "description",
            "quantity",
            "net_minor",
            "tax_minor",
            "gross_minor",
            "credit_minor",
        )
        .order_by("invoice_id", "position")
    )
    kinds = dict(ItemKind.choices)
    for invoice_id, kind, description, qty, net, tax, gross, credit in lines:
        for table, key in (
            (practitioners, who[invoice_id]),
            (treatments, f"{kinds.get(kind, kind)}: {description}"),
        ):
            row = table.setdefault(key, RevenueRow(key))
            row.add_invoice(invoice_id)
            row.quantity += qty
            row.net_minor += net
            row.tax_minor += tax
            row.gross_minor += gross
            row.credit_minor += credit
    for pk, inv in invoices.items():
        if inv.tip_minor:
            row = practitioners.setdefault(who[pk], RevenueRow(who[pk]))
            row.add_invoice(pk)
            row.tip_minor += inv.tip_minor
    notes = (
        LedgerEntry.objects.filter(
            clinic=clinic,
            kind=EntryKind.CREDIT_NOTE,
            created_at__gte=zones.start,
            created_at__lt=zones.end,
            invoice__isnull=False,
        )
        .annotate(where=Coalesce("location_id", "invoice__location_id"))
        .values_list("created_at", "where", "invoice__practitioner_id", "amount_minor", "invoice_id")
    )
    for at, where, practitioner_id, amount, _invoice_id in notes:
        if zones.local_day(at, where) is None:
            continue
        key = names.get(practitioner_id, "No practitioner")
        practitioners.setdefault(key, RevenueRow(key)).refunded_minor += -amount
    return Revenue(
        sorted(practitioners.values(), key=lambda r: (-r.gross_minor, r.key)),
        sorted(treatments.values(), key=lambda r: (-r.gross_minor, r.key)),
    )


def _practitioner_names(clinic: Clinic) -> dict[int | None, str]:
    from needlepoint.clinic.accounts.models import Membership

    return {m.pk: m.name for m in Membership.objects.for_clinic(clinic).select_related("user")}


# --- reconciliation against Stripe -----------------------------------------------------------------


@dataclass(frozen=True)
class StripeRow:
    """One line of a Stripe balance or payout export that moved a charge's money."""

    line: int  # 1-based line in the file (the header is line 1)
    charge_id: str  # the PaymentIntent id when the export has one, else the charge id
    other_ids: tuple[str, ...]  # charge/source ids on the same line (matched too)
    kind: str  # charge | refund
    amount_minor: int  # signed: refunds negative
    currency: str


# Column names across Stripe's exports (balance history, itemised balance-change and payout
# reconciliation reports), lower-cased with spaces and brackets normalised.
_PI = ("payment_intent_id", "payment_intent", "paymentintent_id")
_CHARGE = ("charge_id", "source_id", "source")
_AMOUNT = ("gross", "amount")
_CURRENCY = ("currency",)
_KIND = ("reporting_category", "type")
CHARGE_KINDS = frozenset({"charge", "payment"})
REFUND_KINDS = frozenset({"refund", "payment_refund", "refund_failure"})
MAX_STRIPE_BYTES = 5_000_000


def _norm(name: str) -> str:
    return "_".join(name.strip().lower().replace("(", " ").replace(")", " ").split())


def _column(header: dict[str, int], names: Sequence[str]) -> int | None:
    return next((header[n] for n in names if n in header), None)


def parse_stripe_csv(text: str, *, currency: str) -> list[StripeRow]:
    """The charge and refund lines of a Stripe CSV export (payouts, fees and transfers are
    skipped). Refuses a file that is not one, naming the line at fault."""
    if len(text) > MAX_STRIPE_BYTES:
        raise InvalidInput("The file is too large for one reconciliation (5 MB at most).", field="file")
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        head = next(reader)
    except (StopIteration, csv.Error):
        raise InvalidInput("The file is empty.", field="file") from None
    header = {_norm(h): i for i, h in enumerate(head)}
    amount_col, kind_col = _column(header, _AMOUNT), _column(header, _KIND)
    pi_col, charge_col, cur_col = _column(header, _PI), _column(header, _CHARGE), _column(header, _CURRENCY)
    if amount_col is None or kind_col is None or (pi_col is None and charge_col is None):
        raise InvalidInput(
            "This is not a Stripe balance or payout export: it needs an amount (gross), a type "
            "(reporting_category) and a payment_intent_id or charge/source column.",
            field="file",
        )
    out: list[StripeRow] = []
    try:
        for number, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue

            def cell(col: int | None, cells: list[str] = cells) -> str:
                return cells[col].strip() if col is not None and col < len(cells) else ""

            kind = cell(kind_col).lower()
            if kind not in CHARGE_KINDS | REFUND_KINDS:
                continue
            pi, charge = cell(pi_col), cell(charge_col)
            key = pi or charge
            if not key:
                raise InvalidInput(f"Line {number}: no payment or charge id.", field="file")
            row_currency = (cell(cur_col) or currency).upper()
            try:
                amount = to_minor(cell(amount_col), row_currency, field="file")
            except InvalidInput as exc:
                raise InvalidInput(f"Line {number}: {exc.message}", field="file") from None
            if kind in REFUND_KINDS and amount > 0:
                amount = -amount  # some exports give refunds unsigned
            out.append(
                StripeRow(
                    number, key, tuple(i for i in (charge,) if i and i != key), kind, amount, row_currency
                )
            )
    except csv.Error as exc:
        raise InvalidInput(f"The file could not be read as CSV: {exc}.", field="file") from None
    return out


class Match:
    MATCHED = "matched"
    MISSING_IN_STRIPE = "missing_in_stripe"
    MISSING_HERE = "missing_here"
    AMOUNT_DIFFERS = "amount_differs"

    LABELS = {
        MATCHED: "Matched",
        MISSING_IN_STRIPE: "Missing in Stripe",
        MISSING_HERE: "Missing here",
        AMOUNT_DIFFERS: "Amount differs",
    }


@dataclass(frozen=True)
class ReconciliationRow:
    charge_id: str
    status: str
    stripe_minor: int | None  # charged less refunded, per Stripe
    ours_minor: int | None  # the tender's amount less what we refunded on it
    tender_id: int | None
    client_id: int | None
    note: str = ""

    @property
    def label(self) -> str:
        return Match.LABELS[self.status]


@dataclass(frozen=True)
class Reconciliation:
    rows: list[ReconciliationRow]

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def problems(self) -> list[ReconciliationRow]:
        return [r for r in self.rows if r.status != Match.MATCHED]


def reconcile(
    clinic: Clinic, period: Period, stripe_rows: list[StripeRow], *, actor: Actor
) -> Reconciliation:
    """What Stripe says against what we recorded, per charge (PaymentIntent) id: Stripe's lines
    are looked up in all our card tenders (a charge made the day before the period still
    matches); our succeeded card tenders of the period missing from the export are reported."""
    require(actor, Action.MONEY_REPORTS, clinic)
    stripe: dict[str, int] = defaultdict(int)
    aliases: dict[str, str] = {}
    notes: dict[str, str] = {}
    for r in stripe_rows:
        stripe[r.charge_id] += r.amount_minor
        for other in r.other_ids:
            aliases[other] = r.charge_id
        if r.currency != clinic.currency:
            notes[r.charge_id] = (
                f"Stripe's line {r.line} is in {r.currency}, this clinic takes {clinic.currency}."
            )
    ids = set(stripe) | set(aliases)
    card = Tender.objects.for_clinic(clinic).filter(method=Method.STRIPE, status=TenderStatus.SUCCEEDED)
    zones = _Zones(clinic, period)
    in_period = card.filter(created_at__gte=zones.start, created_at__lt=zones.end)
    tenders = {
        t.pk: t
        for t in card.filter(processor_id__in=ids).only(
            "processor_id", "amount_minor", "client_id", "created_at", "location_id"
        )
    }
    for t in in_period.exclude(processor_id__in=ids).only(
        "processor_id", "amount_minor", "client_id", "created_at", "location_id"
    ):
        if zones.local_day(t.created_at, t.location_id) is not None:
            tenders[t.pk] = t
    refunded = dict(
        LedgerEntry.objects.filter(tender_id__in=list(tenders), kind=EntryKind.REFUND)
        .values("tender_id")
        .annotate(t=Sum("amount_minor"))
        .values_list("tender_id", "t")
    )
    rows: list[ReconciliationRow] = []
    seen: set[str] = set()
    for t in sorted(tenders.values(), key=lambda t: (t.created_at, t.pk)):
        ours = t.amount_minor - int(refunded.get(t.pk) or 0)
        key = aliases.get(t.processor_id, t.processor_id)
        if not t.processor_id or key not in stripe:
            rows.append(
                ReconciliationRow(
                    t.processor_id or f"tender {t.pk}",
                    Match.MISSING_IN_STRIPE,
                    None,
                    ours,
                    t.pk,
                    t.client_id,
                    "" if t.processor_id else "We have no Stripe id for this payment.",
                )
            )
            continue
        seen.add(key)
        theirs = stripe[key]
        status = Match.MATCHED if theirs == ours and key not in notes else Match.AMOUNT_DIFFERS
        rows.append(ReconciliationRow(key, status, theirs, ours, t.pk, t.client_id, notes.get(key, "")))
    for key, theirs in sorted(stripe.items()):
        if key not in seen:
            rows.append(
                ReconciliationRow(
                    key,
                    Match.MISSING_HERE,
                    theirs,
                    None,
                    None,
                    None,
                    notes.get(key, "No payment here has this id."),
                )
            )
    return Reconciliation(rows)


# --- the whole page, and CSV for the accountant ------------------------------------------------------


@dataclass(frozen=True)
class MoneyReport:
    period: Period
    currency: str
    takings: list[TakingsRow]
    takings_totals: dict[str, int]
    balances: list[BalanceRow]
    deferred: Deferred
    revenue: Revenue


def money_report(clinic: Clinic, period: Period, *, actor: Actor) -> MoneyReport:
    require(actor, Action.MONEY_REPORTS, clinic)
    rows = _takings(clinic, _Zones(clinic, period))
    return MoneyReport(
        period,
        clinic.currency,
        rows,
        takings_totals(rows),
        outstanding_balances(clinic, period, actor=actor),
        deferred_revenue(clinic, period, actor=actor),
        revenue(clinic, period, actor=actor),
    )


TABLES = ("takings", "balances", "deferred", "practitioners", "treatments")


def csv_rows(report: MoneyReport, table: str) -> list[Sequence[object]]:
    """One table of the report as CSV rows (header first); amounts in major units."""
    cur = report.currency

    def m(minor: int | None) -> object:
        return "" if minor is None else to_major(minor, cur)

    if table == "takings":
        return [["day", "location", "method", "amount", "currency", "entries"]] + [
            [r.day.isoformat(), r.location, r.method, m(r.amount_minor), cur, r.payments]
            for r in report.takings
        ]
    if table == "balances":
        return [["client_id", "client", "owed", "currency"]] + [
            [r.client_id, r.client, m(r.amount_minor), cur] for r in report.balances
        ]
    if table == "deferred":
        return [
            [
                "client_package_id",
                "client_id",
                "client",
                "package",
                "sessions_left",
                "value_left",
                "currency",
                "expires",
            ]
        ] + [
            [
                p.client_package_id,
                p.client_id,
                p.client,
                p.name,
                p.sessions_left,
                m(p.value_left_minor),
                cur,
                p.expires_at.date().isoformat(),
            ]
            for p in report.deferred.packages
        ]
    if table in ("practitioners", "treatments"):
        rows = report.revenue.per_practitioner if table == "practitioners" else report.revenue.per_treatment
        head = "practitioner" if table == "practitioners" else "item"
        return [
            [
                head,
                "invoices",
                "quantity",
                "net",
                "tax",
                "gross",
                "paid_with_credit",
                "tips",
                "refunded",
                "currency",
            ]
        ] + [
            [
                r.key,
                r.invoices,
                r.quantity,
                m(r.net_minor),
                m(r.tax_minor),
                m(r.gross_minor),
                m(r.credit_minor),
                m(r.tip_minor),
                m(r.refunded_minor),
                cur,
            ]
            for r in rows
        ]
    raise InvalidInput(f"Unknown table '{table}'.", field="table")


def reconciliation_csv_rows(rec: Reconciliation, currency: str) -> list[Sequence[object]]:
    def m(minor: int | None) -> object:
        return "" if minor is None else to_major(minor, currency)

    return [["charge_id", "status", "stripe", "ours", "currency", "tender_id", "client_id", "note"]] + [
        [
            r.charge_id,
            r.status,
            m(r.stripe_minor),
            m(r.ours_minor),
            currency,
            r.tender_id or "",
            r.client_id or "",
            r.note,
        ]
        for r in rec.rows
    ]


def to_csv(rows: Iterable[Sequence[object]]) -> str:
    """CSV text through the project's one writer (spreadsheet formulas neutralised)."""
    out = io.StringIO()
    csv_writer.writer(out).writerows(rows)
    return out.getvalue()
