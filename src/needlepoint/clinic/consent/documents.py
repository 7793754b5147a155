"""The consent text, generated from a confirmed plan and the protocol's own patient-facing
wording (education, numbing conditions, risks, aftercare), so consent never disagrees with what
the engine plans. The text is deterministic: the same plan and protocol give the same bytes."""

from __future__ import annotations

from dataclasses import dataclass

from needlepoint.clinic.plans.models import TreatmentPlan
from needlepoint.protocol import Plan, Protocol
from needlepoint.protocol.units import fmt_mm

TITLE = "Consent to microneedling (collagen induction therapy)"
RESULTS_MAY_VARY = "Results may vary"


def _clean(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: tuple[str, ...] = ()
    items: tuple[str, ...] = ()


def consent_sections(plan: TreatmentPlan, engine: Plan, protocol: Protocol) -> list[Section]:
    d = protocol.data
    edu = d.education
    areas = list(plan.areas.order_by("position"))
    client = plan.client
    sections = [
        Section(
            "About this document",
            (
                f"Client: {client.full_name}, born {client.date_of_birth:%d %B %Y}.",
                f"Clinic: {plan.clinic.name}. Treatment plan #{plan.pk}, confirmed on "
                f"{plan.confirmed_at:%d %B %Y}"
                + (f" by {plan.confirmed_by.name}" if plan.confirmed_by else "")
                + ".",
                f"Based on your intake of {plan.intake.submitted_at:%d %B %Y} "
                f"(version {plan.intake.version}) and the clinical protocol "
                f"{protocol.id} {protocol.version}.",
            ),
        ),
        Section("The procedure", (_clean(edu["what_it_is"].body),) if "what_it_is" in edu else ()),
        Section(
            "Areas to be treated",
            (
                f"A course of {plan.sessions} session{'s' if plan.sessions != 1 else ''}, "
                f"{plan.gap_min_days}–{plan.gap_max_days} days apart. Device: "
                f"{plan.get_device_kind_display().lower()}, needle depth as below (never deeper).",
            ),
            tuple(
                f"{a.area_name}: {a.indication_name.lower()}, needle depth {fmt_mm(a.depth_mm)} mm"
                for a in areas
            ),
        ),
        _numbing(engine, protocol),
        Section(
            "Risks",
            (
                "These are the possible risks of microneedling. Those marked 'more likely for you' apply "
                "particularly to you, from what you told us.",
            ),
            tuple(
                f"{r.name}: {_clean(r.description)}"
                + (
                    f" More likely for you: {r.highlight_reason}."
                    if r.highlighted and r.highlight_reason
                    else ""
                )
                for r in engine.risks
            ),
        ),
        Section(
            "Aftercare",
            ("After each session:",),
            tuple(f"{e.title}: {_clean(e.text)}" for e in engine.aftercare),
        ),
        Section(
            RESULTS_MAY_VARY,
            (
                f"{RESULTS_MAY_VARY}. "
                + _clean(d.risks["results_vary"].description if "results_vary" in d.risks else "")
                + " No particular result is guaranteed; several sessions are usually needed to see change.",
            ),
        ),
        Section(
            "Your agreement",
            (
                "I confirm that the information in my intake is complete and correct, and that I will "
                "tell the clinic about any change before each session.",
                "I have read this document, I have had the chance to ask questions, and I consent to the "
                "treatment described. I may withdraw my consent at any time before a session.",
            ),
        ),
    ]
    return [s for s in sections if s.paragraphs or s.items]


def _numbing(engine: Plan, protocol: Protocol) -> Section:
    n = engine.numbing
    edu = protocol.data.education
    intro = (_clean(edu["does_it_hurt"].body),) if "does_it_hurt" in edu else ()
    if n is None or n.agent_name is None:
        why = "No numbing cream is planned for your treatment"
        if n is not None and n.status == "blocked":
            why += " (because of an allergy or a safety limit; your practitioner will discuss alternatives)"
        return Section("Numbing", (*intro, why + "."))
    return Section(
        "Numbing",
        (
            *intro,
            f"For you: {n.agent_name}, put on about {n.application_minutes} minutes before the treatment "
            "starts. For safety:",
        ),
        tuple(_clean(c) for c in n.conditions),
    )


def render_text(title: str, sections: list[Section]) -> str:
    lines = [title.upper(), ""]
    for i, s in enumerate(sections, start=1):
        lines.append(f"{i}. {s.heading}")
        lines.extend(s.paragraphs)
        lines.extend(f"- {item}" for item in s.items)
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def parse_text(text: str) -> tuple[str, list[Section]]:
    """The sections back from the canonical text (for display and the PDF)."""
    blocks = text.strip().split("\n\n")
    title = blocks[0].strip()
    sections = []
    for block in blocks[1:]:
        lines = block.split("\n")
        heading = lines[0].split(". ", 1)[-1]
        paras = tuple(line for line in lines[1:] if not line.startswith("- "))
        items = tuple(line[2:] for line in lines[1:] if line.startswith("- "))
        sections.append(Section(heading, paras, items))
    return title, sections
