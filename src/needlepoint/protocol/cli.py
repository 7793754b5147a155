"""``needlepoint plan``: print a treatment plan for a client profile.

The top-level ``needlepoint`` command calls :func:`main` with the arguments after ``plan``;
``python -m needlepoint.protocol`` does the same. Exit codes: 0 plan printed (whatever its
status), 2 bad input or protocol file (one ``error: field: problem`` line per problem).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from needlepoint import clock

from .errors import PlanInputError, ProtocolDataError
from .loader import Protocol, default_protocol, describe_error, key_path, load_protocol, read_yaml
from .models import PlanInput
from .planner import build_plan
from .render import render_plan

EXAMPLE = Path(__file__).resolve().parent / "data" / "examples" / "acne_scars_client.yaml"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="needlepoint plan",
        description="Print a microneedling plan for a client profile (file and/or flags).",
        epilog=f"Example profile: {EXAMPLE}",
    )
    p.add_argument("--profile", metavar="FILE", help="plan input as JSON or YAML")
    p.add_argument("--protocol", metavar="FILE", help="a clinic's protocol file")
    p.add_argument("--json", action="store_true", help="print the plan as JSON")
    p.add_argument("--no-explain", action="store_true", help="table without the 'Why' section")
    g = p.add_argument_group("quick input (overrides the profile file)")
    g.add_argument("--area", action="append", metavar="AREA:INDICATION[:GRADE]",
                   help="area to treat (repeat); replaces the file's areas. A paired area takes a "
                        "side: cheeks.left (a bare cheeks is both sides)")
    g.add_argument("--override", action="append", metavar="AREA:MM[:REASON]",
                   help="practitioner depth for an area")
    g.add_argument("--surface", action="append", metavar="AREA:CM2",
                   help="measured treated surface of an area")
    g.add_argument("--fitzpatrick", metavar="1-6|I-VI")
    g.add_argument("--dob", metavar="YYYY-MM-DD", help="date of birth")
    g.add_argument("--client-id")
    g.add_argument("--condition", action="append", metavar="CODE")
    g.add_argument("--medication", action="append", metavar="CODE[:STOPPED_ON]")
    g.add_argument("--state", action="append", metavar="AREA:STATE[:SINCE]",
                   help="current skin state of an area or side (cheeks.left), or face/body/scalp/all")
    g.add_argument("--device", metavar="pen|roller:MAX_MM", help="default: the protocol's default device")
    g.add_argument("--prior", action="append", metavar="DATE:AREA[,AREA…]",
                   help="a previous session")
    g.add_argument("--start", metavar="YYYY-MM-DD", help="first day the course may start")
    g.add_argument("--appointment", metavar="YYYY-MM-DDTHH:MM", help="first session start")
    g.add_argument("--tz", metavar="ZONE", help="IANA time zone of the appointment")
    g.add_argument("--today", metavar="YYYY-MM-DD", help="planning date (default: today)")
    g.add_argument("--agent", metavar="CODE", help="numbing agent (default: the protocol's)")
    g.add_argument("--no-numbing", action="store_true", help="client declines numbing")
    return p


def _split(value: str, field: str, shape: str, min_parts: int, max_parts: int) -> list[str]:
    parts = value.split(":", max_parts - 1)
    if len(parts) < min_parts or any(not x for x in parts[:min_parts]):
        raise PlanInputError(field, f"expected {shape} (got {value!r})")
    return parts


def _read_profile(path: str) -> dict[str, Any]:
    p = Path(path)
    try:
        if p.suffix.lower() == ".json":
            try:
                raw = json.loads(p.read_text(encoding="utf-8"))
            except json.JSONDecodeError as exc:
                raise PlanInputError("profile", f"{p.name}: invalid JSON: {exc}") from exc
        else:
            raw = read_yaml(p)
    except OSError as exc:
        raise PlanInputError("profile", f"cannot read {path}: {exc.strerror}") from exc
    except ProtocolDataError as exc:
        raise PlanInputError("profile", str(exc)) from exc
    if not isinstance(raw, dict):
        raise PlanInputError("profile", f"{p.name}: must be a mapping at the top")
    return raw


def _copy_given(a: argparse.Namespace, into: dict[str, Any], **key_of_flag: str) -> None:
    """Each flag that was given overrides its key in the plan input."""
    for flag, key in key_of_flag.items():
        value = getattr(a, flag)
        if value is not None:
            into[key] = value


def _apply_flags(data: dict[str, Any], a: argparse.Namespace) -> None:
    client = data.setdefault("client", {})
    if not isinstance(client, dict):
        raise PlanInputError("client", "must be a mapping")
    _copy_given(a, client, fitzpatrick="fitzpatrick", dob="date_of_birth", client_id="client_id")
    if a.condition:
        client["conditions"] = [*client.get("conditions", []), *a.condition]
    for m in a.medication or []:
        code, *stopped = m.split(":", 1)
        client.setdefault("medications", []).append(
            {"code": code, "stopped_on": stopped[0]} if stopped else {"code": code})
    for s in a.state or []:
        area, state, *since = _split(s, "client.skin_state", "AREA:STATE[:SINCE]", 2, 3)
        entry: dict[str, Any] = {"code": state}
        if since:
            entry["since"] = since[0]
        client.setdefault("skin_state", {}).setdefault(area, []).append(entry)
    if a.area:
        areas = []
        for value in a.area:
            area, ind, *grade = _split(value, "areas", "AREA:INDICATION[:GRADE]", 2, 3)
            item: dict[str, Any] = {"area": area, "indication": ind}
            if grade:
                item["goodman_baron_grade"] = grade[0]
            areas.append(item)
        data["areas"] = areas
    by_area = {x.get("area"): x for x in data.get("areas", []) if isinstance(x, dict)}
    for value in a.override or []:
        area, mm, *reason = _split(value, "areas", "AREA:MM[:REASON]", 2, 3)
        if area not in by_area:
            raise PlanInputError("areas", f"--override names {area!r}, which is not requested")
        by_area[area]["override_mm"] = mm
        if reason:
            by_area[area]["override_reason"] = reason[0]
    for value in a.surface or []:
        area, cm2 = _split(value, "areas", "AREA:CM2", 2, 2)
        if area not in by_area:
            raise PlanInputError("areas", f"--surface names {area!r}, which is not requested")
        by_area[area]["surface_cm2"] = cm2
    if a.device is not None:
        kind, mm = _split(a.device, "device", "KIND:MAX_MM, e.g. pen:2.0", 2, 2)
        data["device"] = {"kind": kind, "max_depth_mm": mm}
    for value in a.prior or []:
        day, areas_txt = _split(value, "prior_sessions", "DATE:AREA[,AREA…]", 2, 2)
        data.setdefault("prior_sessions", []).append(
            {"date": day, "areas": [x for x in areas_txt.split(",") if x]})
    _copy_given(
        a, data, start="start_date", appointment="appointment_start", tz="timezone", today="today",
        agent="numbing_agent",
    )
    if a.no_numbing:
        data["numbing"] = False


def default_device(protocol: Protocol) -> dict[str, Any]:
    """The protocol's default device (a clinic file without one falls back to the shipped one)."""
    spec = protocol.data.default_device or default_protocol().data.default_device
    if spec is None:  # pragma: no cover - the shipped protocol declares one (a test checks)
        raise PlanInputError("device", "required (the protocol declares no default device)")
    return {"kind": spec.kind, "max_depth_mm": spec.max_depth_mm, "name": spec.name}


def parse_input(data: dict[str, Any]) -> PlanInput:
    try:
        return PlanInput.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise PlanInputError(key_path(err["loc"]), describe_error(err)) from None


def resolve_times(inp: PlanInput) -> tuple[date, datetime | None]:
    """Planning date and aware appointment start, using the input's time zone."""
    tz = None
    if inp.timezone:
        try:
            tz = ZoneInfo(inp.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise PlanInputError("timezone", f"unknown time zone {inp.timezone!r}") from None
    start = inp.appointment_start
    if start is not None and start.tzinfo is None:
        if tz is None:
            raise PlanInputError("appointment_start",
                                 "needs a time zone (--tz, `timezone:` or a UTC offset)")
        start = start.replace(tzinfo=tz)
    elif start is not None and tz is not None:
        start = start.astimezone(tz)
    today = inp.today or clock.today(tz or UTC)  # no zone given: the UTC date, not the server's
    return today, start


def main(argv: list[str] | None = None, *, stdout: TextIO | None = None,
         stderr: TextIO | None = None) -> int:
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse already printed its message
        return int(exc.code or 0)
    try:
        protocol = load_protocol(args.protocol) if args.protocol else default_protocol()
        data: dict[str, Any] = _read_profile(args.profile) if args.profile else {}
        _apply_flags(data, args)
        data.setdefault("device", default_device(protocol))
        inp = parse_input(data)
        today, start = resolve_times(inp)
        plan = build_plan(inp.profile(), inp.request(), protocol, today=today,
                          appointment_start=start)
    except ProtocolDataError as exc:
        for issue in exc.issues:
            print(f"error: {issue}", file=err)
        return 2
    except PlanInputError as exc:
        print(f"error: {exc}", file=err)
        return 2
    if args.json:
        json.dump(plan.model_dump(mode="json"), out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        out.write(render_plan(plan, explain=not args.no_explain))
    return 0


__all__ = ["main", "parse_input", "resolve_times"]
