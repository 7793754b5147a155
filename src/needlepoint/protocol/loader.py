"""Load and validate protocol data files.

``load_protocol(path)`` reads a protocol YAML file (and the bibliography it names), checks the
schema, every cross-reference and the hard limits of :mod:`.limits`, and returns an immutable
:class:`Protocol`. Every problem is reported as ``file: key.path: problem``.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from . import sides
from .errors import DataIssue, ProtocolDataError
from .limits import (
    DEPTH_CEILING_MM,
    DEPTH_FLOOR_MM,
    INTERVAL_FLOOR_DAYS,
    MANDATORY_BLOCK_STATES,
    NUMBING_MAX_APPLICATION_MINUTES,
    NUMBING_MAX_AREA_CM2,
    NUMBING_MAX_GRAMS,
)
from .schema import (
    AreaSpec,
    BibliographyFile,
    BuiltInCheck,
    Course,
    IndicationSpec,
    ProtocolFile,
    RuleSpec,
    RuleWhen,
    SourceEntry,
)
from .units import fmt_mm

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_PROTOCOL_PATH = DATA_DIR / "protocol.yaml"
DEFAULT_BIBLIOGRAPHY_PATH = DATA_DIR / "bibliography.yaml"

#: Findings the engine raises itself, with the placeholders their wording may use.
BUILT_IN_CHECKS: dict[str, frozenset[str]] = {
    "device_below_floor": frozenset({"device", "device_max", "floor", "area_name"}),
    "device_above_area_max": frozenset({"device_max", "cap", "area_name"}),
    "roller_needs_reason": frozenset({"length", "low", "high", "override_above", "area_name"}),
    "roller_outside_recommended": frozenset({"length", "low", "high", "area_name", "reason"}),
    "device_below_recommended": frozenset({"device_max", "low", "high", "area_name"}),
    "indication_outside_table": frozenset(
        {"group_names", "area_name", "fallback_group", "low", "high", "indication_name"}
    ),
    "depth_above_label_evaluated": frozenset({"depth", "area_name"}),
    "override_accepted": frozenset(
        {"area_name", "depth", "low", "high", "override_above", "reason"}
    ),
    "numbing_area_near_limit": frozenset({"total", "limit", "agent_name"}),
    "numbing_area_over_limit": frozenset({"total", "limit", "agent_name", "groups"}),
    "numbing_area_single_over_limit": frozenset({"area_name", "surface", "limit", "agent_name"}),
    "numbing_window_short": frozenset({"minutes", "hours", "agent_name"}),
    "numbing_otc_strength": frozenset({"agent_name", "percent"}),
    "numbing_compounded": frozenset({"agent_name"}),
    "appointment_before_earliest": frozenset({"date", "earliest", "areas"}),
}


class Protocol:
    """A validated, immutable protocol with its bibliography and lookup tables.

    Build it with :func:`load_protocol`; the planner only reads it, so one instance can be
    shared by every request (it is cached for the shipped file).
    """

    __slots__ = (
        "area_rules",
        "bibliography",
        "bibliography_path",
        "data",
        "global_rules",
        "path",
    )

    def __init__(
        self,
        data: ProtocolFile,
        bibliography: Mapping[str, SourceEntry],
        path: Path,
        bibliography_path: Path,
    ) -> None:
        self.data = data
        self.bibliography: Mapping[str, SourceEntry] = dict(bibliography)
        self.path = path
        self.bibliography_path = bibliography_path
        self.area_rules: tuple[tuple[str, RuleSpec], ...] = tuple(
            (code, r) for code, r in data.rules.items() if r.scope == "area"
        )
        self.global_rules: tuple[tuple[str, RuleSpec], ...] = tuple(
            (code, r) for code, r in data.rules.items() if r.scope == "global"
        )

    @property
    def id(self) -> str:
        return self.data.id

    @property
    def version(self) -> str:
        return self.data.version

    def area(self, code: str) -> AreaSpec:
        """The area of a code, with or without a side (``cheeks.left`` → cheeks)."""
        return self.data.areas[sides.base_of(code)]

    def area_name(self, code: str) -> str:
        """``'cheeks.left'`` → ``'Cheeks (left)'``; an unknown code is returned as it is (old
        rows written under another protocol still show something)."""
        base, side = sides.split(code)
        spec = self.data.areas.get(base)
        return sides.label(spec.name, side) if spec else code

    def is_area(self, code: str) -> bool:
        """Whether ``code`` is an area of this protocol, or a side of one of its paired areas."""
        base, side = sides.split(code)
        spec = self.data.areas.get(base)
        return spec is not None and (side is None or (spec.paired and side in sides.SIDES))

    def area_codes(self) -> list[str]:
        """Every area code, each paired area followed by its two sides (for pick lists)."""
        return [c for base, spec in self.data.areas.items()
                for c in (base, *(sides.both(base) if spec.paired else ()))]

    def area_surface_cm2(self, code: str) -> int:
        """The typical treated surface of an area or of one side (half, rounded up)."""
        base, side = sides.split(code)
        whole = self.data.areas[base].surface_cm2
        return sides.half(whole) if side else whole

    def indication(self, code: str) -> IndicationSpec:
        return self.data.indications[code]

    def check(self, code: str) -> BuiltInCheck:
        return self.data.built_in_checks[code]

    def cited_ids(self) -> set[str]:
        """Every source id cited anywhere in the protocol (for audits and tests)."""
        return set(_iter_citations(self.data.model_dump()))

    def __repr__(self) -> str:
        return f"<Protocol {self.id} {self.version} from {self.path}>"


# --- YAML ----------------------------------------------------------------------------------


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys, which PyYAML would silently overwrite."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                f"duplicate key {key!r}",
                key_node.start_mark,
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=True)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping
)


def read_yaml(path: Path) -> Any:
    """Parse a YAML (or JSON) file; errors name the file and line."""
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProtocolDataError([DataIssue(name, "", f"cannot read file: {exc.strerror}")]) from exc
    except UnicodeDecodeError as exc:
        raise ProtocolDataError([DataIssue(name, "", "not UTF-8 text")]) from exc
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - subclass of SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}" if mark is not None else ""
        problem = exc.problem or str(exc)
        raise ProtocolDataError([DataIssue(name, where, f"invalid YAML: {problem}")]) from exc
    except yaml.YAMLError as exc:
        raise ProtocolDataError([DataIssue(name, "", f"invalid YAML: {exc}")]) from exc


# --- pydantic errors → key paths -------------------------------------------------------------


def key_path(loc: Iterable[int | str]) -> str:
    """``('areas', 'cheeks', 'hard_max_mm')`` → ``areas.cheeks.hard_max_mm``; ints → ``[i]``."""
    out = ""
    for part in loc:
        if part == "[key]":
            out += " (key)"
        elif isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def describe_error(err: Mapping[str, Any]) -> str:
    """Plain wording for one pydantic error, with the offending value."""
    kind = err.get("type", "")
    if kind == "missing":
        return "required"
    if kind == "extra_forbidden":
        return "unknown key"
    msg = str(err.get("msg", "invalid"))
    msg = msg.removeprefix("Value error, ")
    if kind != "value_error" and "got " not in msg:
        value = err.get("input")
        if isinstance(value, str | int | float | bool | Decimal) or value is None:
            msg += f" (got {value!r})"
    return msg


def issues_from_validation(file: str, exc: ValidationError, prefix: str = "") -> list[DataIssue]:
    issues = []
    for err in exc.errors():
        key = key_path(err["loc"])
        if prefix:
            key = f"{prefix}.{key}" if key else prefix
        issues.append(DataIssue(file, key, describe_error(err)))
    return issues


def validate_file(model: type[BaseModel], raw: Any, file: str) -> Any:
    if not isinstance(raw, dict):
        got = "an empty file" if raw is None else type(raw).__name__
        raise ProtocolDataError([DataIssue(file, "", f"must be a mapping at the top (got {got})")])
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise ProtocolDataError(issues_from_validation(file, exc)) from None


# --- loading -------------------------------------------------------------------------------


def load_bibliography(path: str | Path | None = None) -> dict[str, SourceEntry]:
    p = Path(path) if path is not None else DEFAULT_BIBLIOGRAPHY_PATH
    bib: BibliographyFile = validate_file(BibliographyFile, read_yaml(p), p.name)
    return dict(bib.sources)


def load_protocol(
    path: str | Path | None = None, *, bibliography: str | Path | None = None
) -> Protocol:
    """Load and validate a protocol file (the shipped one when ``path`` is None).

    The bibliography is ``bibliography`` if given, else the file the protocol names (relative
    to it); a copy that keeps the default name but has no bibliography beside it uses the
    shipped one. Raises :class:`ProtocolDataError` naming file, key and problem.
    """
    p = Path(path) if path is not None else DEFAULT_PROTOCOL_PATH
    data: ProtocolFile = validate_file(ProtocolFile, read_yaml(p), p.name)
    if bibliography is not None:
        bib_path = Path(bibliography)
    else:
        bib_path = (p.parent / data.bibliography).resolve()
        if not bib_path.exists():
            if data.bibliography != DEFAULT_BIBLIOGRAPHY_PATH.name:
                raise ProtocolDataError([DataIssue(
                    p.name, "bibliography", f"file {data.bibliography!r} not found beside it")])
            # A copied protocol without its bibliography uses the shipped one.
            bib_path = DEFAULT_BIBLIOGRAPHY_PATH
    bib = load_bibliography(bib_path)
    issues = _check_protocol(data, bib, p.name, bib_path.name)
    if issues:
        raise ProtocolDataError(issues)
    return Protocol(data, bib, p, bib_path)


@lru_cache(maxsize=1)
def default_protocol() -> Protocol:
    """The shipped protocol, loaded and validated once per process."""
    return load_protocol()


# --- semantic checks -----------------------------------------------------------------------


def _iter_citations(node: Any) -> Iterable[str]:
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "citations" and isinstance(v, list):
                yield from (str(c) for c in v)
            else:
                yield from _iter_citations(v)
    elif isinstance(node, list):
        for v in node:
            yield from _iter_citations(v)


def _citation_issues(
    node: Any, path: str, bib: Mapping[str, Any], file: str, bib_file: str
) -> list[DataIssue]:
    out: list[DataIssue] = []
    if isinstance(node, dict):
        for k, v in node.items():
            sub = f"{path}.{k}" if path else str(k)
            if k == "citations" and isinstance(v, list):
                for i, c in enumerate(v):
                    if c not in bib:
                        out.append(DataIssue(file, f"{sub}[{i}]",
                                             f"unknown source {c!r} (not in {bib_file})"))
            else:
                out.extend(_citation_issues(v, sub, bib, file, bib_file))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.extend(_citation_issues(v, f"{path}[{i}]", bib, file, bib_file))
    return out


class _Checker:
    def __init__(self, data: ProtocolFile, file: str) -> None:
        self.d = data
        self.file = file
        self.issues: list[DataIssue] = []

    def add(self, key: str, problem: str) -> None:
        self.issues.append(DataIssue(self.file, key, problem))

    def known(self, key: str, values: Iterable[str], vocab: Iterable[str], what: str) -> None:
        known = list(vocab)
        for i, v in enumerate(values):
            if v not in known:
                self.add(f"{key}[{i}]", f"unknown {what} {v!r} (known: {', '.join(known)})")

    def mm_between(self, key: str, value: Decimal, low: Decimal, high: Decimal,
                   high_name: str | None = None) -> None:
        if value < low:
            self.add(key, f"must be ≥ {fmt_mm(low)} (got {fmt_mm(value)})")
        elif value > high:
            bound = f"{high_name} {fmt_mm(high)}" if high_name else fmt_mm(high)
            self.add(key, f"must be ≤ {bound} (got {fmt_mm(value)})")

    # -- sections --

    def regions(self) -> None:
        for region, floor in INTERVAL_FLOOR_DAYS.items():
            spec = self.d.regions.get(region)  # type: ignore[call-overload]
            if spec is None:
                self.add(f"regions.{region}", "required")
            elif spec.interval_floor_days < floor:
                self.add(f"regions.{region}.interval_floor_days",
                         f"must be ≥ {floor} (got {spec.interval_floor_days})")

    def areas(self) -> None:
        for code, a in self.d.areas.items():
            k = f"areas.{code}"
            if sides.SEPARATOR in code:
                self.add(k, f"an area code cannot contain {sides.SEPARATOR!r}: it separates the side"
                            " (cheeks.left)")
            self.mm_between(f"{k}.hard_max_mm", a.hard_max_mm, DEPTH_FLOOR_MM, DEPTH_CEILING_MM)
            cap = min(a.hard_max_mm, DEPTH_CEILING_MM)
            self.mm_between(f"{k}.override_above_mm", a.override_above_mm, DEPTH_FLOOR_MM, cap,
                            "hard_max_mm")
            if a.surface_cm2 > 20000:
                self.add(f"{k}.surface_cm2", f"must be ≤ 20000 (got {a.surface_cm2})")
            for group, rng in a.depth.items():
                gk = f"{k}.depth.{group}"
                if group not in self.d.depth_groups:
                    self.add(gk, f"unknown depth group {group!r} "
                                 f"(known: {', '.join(self.d.depth_groups)})")
                self.mm_between(f"{gk}.min_mm", rng.min_mm, DEPTH_FLOOR_MM, cap, "hard_max_mm")
                self.mm_between(f"{gk}.max_mm", rng.max_mm, rng.min_mm, cap, "hard_max_mm")
                recommended = dict(rng.by_grade)
                if rng.default_mm is not None:
                    recommended["default"] = rng.default_mm  # type: ignore[index]
                for g, v in recommended.items():
                    vk = f"{gk}.default_mm" if g == "default" else f"{gk}.by_grade[{g}]"
                    if g != "default" and g not in (1, 2, 3, 4):
                        self.add(vk, f"grade must be 1–4 (got {g!r})")
                    self.mm_between(vk, v, rng.min_mm, rng.max_mm, "max_mm")
                    if v > a.override_above_mm:
                        self.add(vk, f"must be ≤ override_above_mm {fmt_mm(a.override_above_mm)}"
                                     f" (got {fmt_mm(v)}): a recommendation never needs a reason")

    def _course(self, key: str, c: Course, floor: int) -> None:
        if c.sessions_max < c.sessions_min:
            self.add(f"{key}.sessions_max",
                     f"must be ≥ sessions_min {c.sessions_min} (got {c.sessions_max})")
        if c.interval_min_days < floor:
            self.add(f"{key}.interval_min_days",
                     f"must be ≥ {floor} days, the interval floor for these regions "
                     f"(got {c.interval_min_days})")
        if c.interval_max_days < c.interval_min_days:
            self.add(f"{key}.interval_max_days",
                     f"must be ≥ interval_min_days {c.interval_min_days} "
                     f"(got {c.interval_max_days})")

    def indications(self) -> None:
        for code, ind in self.d.indications.items():
            k = f"indications.{code}"
            self.known(f"{k}.depth_groups", ind.depth_groups, self.d.depth_groups, "depth group")
            floor = max(
                max(self.d.regions[r].interval_floor_days, INTERVAL_FLOOR_DAYS[r])
                if r in self.d.regions else INTERVAL_FLOOR_DAYS[r]
                for r in ind.regions
            )
            self._course(f"{k}.course", ind.course, floor)
            for g, c in ind.by_grade.items():
                if not ind.uses_grade:
                    self.add(f"{k}.by_grade", "needs uses_grade: true")
                if g not in (1, 2, 3, 4):
                    self.add(f"{k}.by_grade[{g}]", f"grade must be 1–4 (got {g!r})")
                self._course(f"{k}.by_grade[{g}]", c, floor)
            if not any(
                any(g in a.depth for g in ind.depth_groups)
                for a in self.d.areas.values() if a.region in ind.regions
            ):
                self.add(f"{k}.depth_groups", "no area in its regions has a depth for these groups")

    def when(self, key: str, w: RuleWhen) -> None:
        self.known(f"{key}.skin_states", w.skin_states, self.d.skin_states, "skin state")
        self.known(f"{key}.conditions", w.conditions, self.d.conditions, "condition")
        self.known(f"{key}.medications", w.medications, self.d.medications, "medication")
        self.known(f"{key}.indications", w.indications, self.d.indications, "indication")
        self.known(f"{key}.areas", w.areas, self.d.areas, "area")
        if (w.medication_status != "any" or w.stopped_within_days is not None) and not w.medications:
            self.add(f"{key}.medications", "required when a medication status is given")
        if (w.fitzpatrick_min is not None and w.fitzpatrick_max is not None
                and w.fitzpatrick_min > w.fitzpatrick_max):
            self.add(f"{key}.fitzpatrick_max", "must be ≥ fitzpatrick_min")
        if not any(v for v in w.model_dump().values() if v not in ("any",)):
            self.add(key, "needs at least one criterion")

    def rules(self) -> None:
        for code, r in self.d.rules.items():
            k = f"rules.{code}"
            self.when(f"{k}.when", r.when)
            if r.action == "DEFER":
                if r.defer is None:
                    self.add(f"{k}.defer", "required for DEFER")
                elif (r.defer.days is None) == (r.defer.months is None):
                    self.add(f"{k}.defer", "give exactly one of days or months")
            elif r.defer is not None:
                self.add(f"{k}.defer", f"only DEFER rules have a defer period (action {r.action})")
            if r.action == "REQUIRE" and not r.require_action:
                self.add(f"{k}.require_action", "required for REQUIRE")
            fitz = r.when.fitzpatrick_min is not None or r.when.fitzpatrick_max is not None
            if fitz and r.action != "WARN":
                self.add(f"{k}.action",
                         f"a skin-type rule may only WARN (got {r.action}): microneedling uses "
                         "no heat, so all skin types are eligible")
        for state in sorted(MANDATORY_BLOCK_STATES):
            covered = any(
                r.action == "BLOCK" and r.scope == "area" and r.applies_to == "treatment"
                and state in r.when.skin_states
                and r.when.model_dump(exclude={"skin_states"}) == RuleWhen().model_dump(
                    exclude={"skin_states"})
                for r in self.d.rules.values()
            )
            if state not in self.d.skin_states:
                self.add(f"skin_states.{state}", "required (never-treat state)")
            elif not covered:
                self.add("rules", f"needs an unconditional area BLOCK rule for skin state "
                                  f"{state!r}: {state.replace('_', ' ')} skin is never treated")

    def built_ins(self) -> None:
        for code, allowed in BUILT_IN_CHECKS.items():
            check = self.d.built_in_checks.get(code)
            if check is None:
                self.add(f"built_in_checks.{code}", "required")
                continue
            for field in ("reason", "action"):
                text = getattr(check, field)
                if not text:
                    continue
                try:
                    names = {f for _, f, _, _ in string.Formatter().parse(text) if f}
                except ValueError as exc:
                    self.add(f"built_in_checks.{code}.{field}", f"bad template: {exc}")
                    continue
                bad = sorted(names - allowed)
                if bad:
                    self.add(f"built_in_checks.{code}.{field}",
                             f"unknown placeholder(s) {', '.join(bad)} "
                             f"(allowed: {', '.join(sorted(allowed))})")
        for code in self.d.built_in_checks:
            if code not in BUILT_IN_CHECKS:
                self.add(f"built_in_checks.{code}", "unknown built-in check")

    def series(self) -> None:
        s = self.d.series
        floor = max(INTERVAL_FLOOR_DAYS.values())
        for name in ("seed", "literature"):
            w = s.maintenance.get(name)
            k = f"series.maintenance.{name}"
            if w is None:
                self.add(k, "required")
                continue
            if w.interval_min_days < floor:
                self.add(f"{k}.interval_min_days", f"must be ≥ {floor} (got {w.interval_min_days})")
            if w.interval_max_days < w.interval_min_days:
                self.add(f"{k}.interval_max_days", "must be ≥ interval_min_days")

    def numbing(self) -> None:
        n = self.d.numbing
        if n.default_agent not in n.agents:
            self.add("numbing.default_agent",
                     f"unknown agent {n.default_agent!r} (known: {', '.join(n.agents)})")
        for code, a in n.agents.items():
            k = f"numbing.agents.{code}"
            if a.max_area_cm2 > NUMBING_MAX_AREA_CM2:
                self.add(f"{k}.max_area_cm2",
                         f"must be ≤ {NUMBING_MAX_AREA_CM2} (label maximum; got {a.max_area_cm2})")
            if a.max_grams > NUMBING_MAX_GRAMS:
                self.add(f"{k}.max_grams",
                         f"must be ≤ {NUMBING_MAX_GRAMS} (label maximum; got {a.max_grams})")
            for f in ("application_minutes", "max_application_minutes"):
                v = getattr(a, f)
                if v is not None and v > NUMBING_MAX_APPLICATION_MINUTES:
                    self.add(f"{k}.{f}", f"must be ≤ {NUMBING_MAX_APPLICATION_MINUTES} "
                                         f"(label maximum; got {v})")
            if a.max_application_minutes is not None and (
                    a.max_application_minutes < a.application_minutes):
                self.add(f"{k}.max_application_minutes", "must be ≥ application_minutes")
            if a.effect_hours_max < a.effect_hours_min:
                self.add(f"{k}.effect_hours_max", "must be ≥ effect_hours_min")
            for ing, pct in a.ingredients.items():
                if not (Decimal(0) < pct <= Decimal(100)):
                    self.add(f"{k}.ingredients.{ing}", f"must be a percentage (got {pct})")

    def aftercare_risks(self) -> None:
        for code, e in self.d.aftercare.items():
            if e.ends_after_hours is not None and e.ends_after_hours < e.starts_after_hours:
                self.add(f"aftercare.{code}.ends_after_hours", "must be ≥ starts_after_hours")
        for code, r in self.d.risks.items():
            if r.highlight_when is not None:
                self.when(f"risks.{code}.highlight_when", r.highlight_when)
                if not r.highlight_reason:
                    self.add(f"risks.{code}.highlight_reason", "required with highlight_when")


def _check_protocol(data: ProtocolFile, bib: Mapping[str, SourceEntry], file: str,
                    bib_file: str) -> list[DataIssue]:
    c = _Checker(data, file)
    c.regions()
    c.areas()
    c.indications()
    c.rules()
    c.built_ins()
    c.series()
    c.numbing()
    c.aftercare_risks()
    c.issues.extend(_citation_issues(data.model_dump(), "", bib, file, bib_file))
    return c.issues
