"""Needle depth per area and indication.

Recommended range from the area × indication-group table; Goodman–Baron grade picks a value
where the table says so (cheeks, grade 3–4 → 1.5 mm); everything is capped by
``min(area hard max, device max, 2.5 mm)`` and never below 0.5 mm.

Overrides (``override_mm``): accepted within the caps; a reason is required above the area's
"override above" value or outside the recommended range; beyond a hard limit the override is
*refused* with :class:`DepthOverrideError` (not clamped), so the practitioner sees it on the
field rather than getting a different depth than they typed.
"""

from __future__ import annotations

from decimal import Decimal

from .context import Context, ResolvedArea
from .errors import DepthOverrideError
from .findings import built_in, unique
from .limits import DEPTH_CEILING_MM, DEPTH_FLOOR_MM
from .models import DepthDecision, DepthSource, DeviceKind, Finding, Severity
from .schema import DepthRange
from .units import fmt_mm, fmt_range

#: The FDA-cleared pen label: settings above this were not evaluated (SKINPEN).
LABEL_EVALUATED_MAX_MM = Decimal("1.50")
ROMAN = ("", "I", "II", "III", "IV", "V", "VI")


def _pick_group(ra: ResolvedArea) -> tuple[str, DepthRange, bool]:
    """First of the indication's groups the area has; else the area's shallowest range."""
    for g in ra.indication.depth_groups:
        rng = ra.spec.depth.get(g)
        if rng is not None:
            return g, rng, False
    g, rng = min(ra.spec.depth.items(), key=lambda kv: (kv[1].max_mm, kv[1].min_mm))
    return g, rng, True


def decide_depth(ra: ResolvedArea, ctx: Context) -> tuple[DepthDecision | None, list[Finding]]:
    """Depth decision for one area, or None (with a BLOCK finding) if the device can't do it."""
    p = ctx.protocol
    spec, req, device = ra.spec, ra.req, ctx.request.device
    findings: list[Finding] = []
    group, rng, fallback = _pick_group(ra)
    group_name = p.data.depth_groups[group].name
    area_name = ra.name
    lname = area_name.lower()  # placeholders sit mid-sentence in the wording
    area_cap = min(spec.hard_max_mm, DEPTH_CEILING_MM)
    device_max = device.max_depth_mm
    cap = min(area_cap, device_max)
    notes: list[str] = []
    cites: list[str] = [*spec.citations]

    if fallback:
        wanted = " or ".join(p.data.depth_groups[g].name for g in ra.indication.depth_groups)
        findings.append(built_in(
            p, "indication_outside_table", Severity.WARN, area=ra.code,
            group_names=wanted, area_name=lname, fallback_group=group_name,
            low=fmt_mm(rng.min_mm), high=fmt_mm(rng.max_mm), indication_name=ra.indication.name))

    if device_max < DEPTH_FLOOR_MM:
        kind = "The roller" if device.kind is DeviceKind.ROLLER else "The pen"
        findings.append(built_in(
            p, "device_below_floor", Severity.BLOCK, area=ra.code, device=kind,
            device_max=fmt_mm(device_max), floor=fmt_mm(DEPTH_FLOOR_MM), area_name=lname))
        return None, findings
    if device.kind is DeviceKind.ROLLER and device_max > area_cap:
        findings.append(built_in(
            p, "device_above_area_max", Severity.BLOCK, area=ra.code,
            device_max=fmt_mm(device_max), cap=fmt_mm(area_cap), area_name=lname))
        return None, findings

    # Recommended value: by grade where the table says so, else the default or the minimum
    # (the conservative end of the range).
    grade = req.goodman_baron_grade if ra.indication.uses_grade else None
    recommended = rng.default_mm if rng.default_mm is not None else rng.min_mm
    if grade is not None and grade in rng.by_grade:
        recommended = rng.by_grade[grade]
        notes.append(f"Goodman–Baron grade {grade} on {area_name.lower()} → "
                     f"{fmt_mm(recommended)} mm")
    elif ra.indication.uses_grade and grade is None:
        notes.append("no Goodman–Baron grade recorded, so the conservative end of the range is "
                     "used; record a grade to refine it")
    range_lo = min(rng.min_mm, cap)
    range_hi = min(rng.max_mm, cap)
    source: DepthSource = "recommended"
    if recommended > cap and device.kind is DeviceKind.ROLLER:
        recommended = cap  # the roller findings below say why
    elif recommended > cap:
        recommended = cap
        source = "device_capped"
        if device_max < rng.min_mm:
            findings.append(built_in(
                p, "device_below_recommended", Severity.WARN, area=ra.code,
                device_max=fmt_mm(device_max), low=fmt_mm(rng.min_mm), high=fmt_mm(rng.max_mm),
                area_name=lname))
        notes.append(f"the device's {fmt_mm(device_max)} mm maximum lowers it to "
                     f"{fmt_mm(recommended)} mm")
    chosen = recommended
    reason = (req.override_reason or "").strip() or None
    field = ra.field

    def outside(v: Decimal) -> bool:
        return v < rng.min_mm or v > rng.max_mm or v > spec.override_above_mm

    if device.kind is DeviceKind.ROLLER:
        length = device_max
        if req.override_mm is not None and req.override_mm != length:
            raise DepthOverrideError(
                f"{field}.override_mm",
                f"a roller has a fixed length ({fmt_mm(length)} mm); "
                f"{fmt_mm(req.override_mm)} mm needs a pen or another roller")
        chosen, source = length, "roller"
        if outside(length):
            low, high = fmt_mm(rng.min_mm), fmt_mm(rng.max_mm)
            if reason:
                findings.append(built_in(
                    p, "roller_outside_recommended", Severity.WARN, area=ra.code, reason=reason,
                    length=fmt_mm(length), low=low, high=high, area_name=lname))
            else:
                findings.append(built_in(
                    p, "roller_needs_reason", Severity.REQUIRE, area=ra.code,
                    override_above=fmt_mm(spec.override_above_mm), length=fmt_mm(length),
                    low=low, high=high, area_name=lname))
        notes.append(f"the roller's fixed {fmt_mm(length)} mm is used")
    elif req.override_mm is not None:
        v = req.override_mm
        if v < DEPTH_FLOOR_MM:
            raise DepthOverrideError(
                f"{field}.override_mm",
                f"{fmt_mm(v)} mm is below the {fmt_mm(DEPTH_FLOOR_MM)} mm minimum "
                "(the shallowest depth that passes the skin's outer layer)")
        if v > area_cap:
            raise DepthOverrideError(
                f"{field}.override_mm",
                f"{fmt_mm(v)} mm exceeds the hard maximum {fmt_mm(area_cap)} mm for {ra.code}")
        if v > device_max:
            raise DepthOverrideError(
                f"{field}.override_mm",
                f"{fmt_mm(v)} mm exceeds the device's maximum {fmt_mm(device_max)} mm")
        if outside(v):
            if not reason:
                raise DepthOverrideError(
                    f"{field}.override_reason",
                    f"required: {fmt_mm(v)} mm is outside the recommended "
                    f"{fmt_mm(rng.min_mm)}–{fmt_mm(rng.max_mm)} mm for {ra.code} "
                    f"(a reason is needed above {fmt_mm(spec.override_above_mm)} mm)")
            findings.append(built_in(
                p, "override_accepted", Severity.WARN, area=ra.code, area_name=lname,
                depth=fmt_mm(v), low=fmt_mm(rng.min_mm), high=fmt_mm(rng.max_mm),
                override_above=fmt_mm(spec.override_above_mm), reason=reason))
        chosen, source = v, "override"
        notes.append(f"practitioner override {fmt_mm(v)} mm"
                     + (f" (reason: {reason})" if reason else " (within the recommendation)"))

    if chosen > LABEL_EVALUATED_MAX_MM:
        findings.append(built_in(p, "depth_above_label_evaluated", Severity.WARN, area=ra.code,
                                 depth=fmt_mm(chosen), area_name=lname))
        cites.append("SKINPEN")
    # Defence in depth: nothing above may ever produce a depth outside the hard limits.
    if not DEPTH_FLOOR_MM <= chosen <= cap:
        raise AssertionError(f"depth {chosen} outside [{DEPTH_FLOOR_MM}, {cap}] for {ra.code}")

    if req.scar_types:
        notes.append("scar types " + ", ".join(t.value for t in req.scar_types)
                     + " recorded; the literature gives depth by severity and location, not by "
                       "scar type")
        cites.append("HARRIS2015")
    if ctx.profile.fitzpatrick >= 4:
        notes.append(f"skin type {ROMAN[ctx.profile.fitzpatrick]}: consider shallower passes "
                     "and pre-treatment care (pigment risk); skin type never blocks (no heat)")
        cites.append("COHEN2016")

    grade_txt = f", Goodman–Baron grade {grade}" if grade is not None else ""
    text = (
        f"Why {fmt_mm(chosen)} mm — {area_name}, {ra.indication.name.lower()}{grade_txt}: "
        f"the protocol recommends {fmt_range(rng.min_mm, rng.max_mm)} mm for {group_name} "
        f"here" + "".join(f"; {n}" for n in notes)
        + f". Never above {fmt_mm(cap)} mm = min(area hard max {fmt_mm(area_cap)} mm, device "
          f"max {fmt_mm(device_max)} mm, {fmt_mm(DEPTH_CEILING_MM)} mm) and never below "
          f"{fmt_mm(DEPTH_FLOOR_MM)} mm; above {fmt_mm(spec.override_above_mm)} mm needs a "
          "practitioner's reason. These per-area values are editable defaults with hard caps: "
          "no professional society publishes per-area depth limits."
    )
    cites.extend(p.data.depth_table_note.citations)
    decision = DepthDecision(
        area=ra.code,
        indication=ra.indication_code,
        depth_group=group,
        range_min_mm=range_lo,
        range_max_mm=range_hi,
        recommended_mm=recommended,
        chosen_mm=chosen,
        source=source,
        override_above_mm=spec.override_above_mm,
        area_hard_max_mm=area_cap,
        device_max_mm=device_max,
        cap_mm=cap,
        override_reason=reason if source in ("override", "roller") else None,
        explanation=text,
        citations=unique(cites),
    )
    return decision, findings
