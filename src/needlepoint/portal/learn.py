"""The "Learn" pages, built from the protocol data: the same wording the engine, consent and
aftercare use, so the public explanation never disagrees with what the clinic does.

Each topic has a general part (anyone) and, for a signed-in client with a confirmed plan, a
personal part drawn from their plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from needlepoint.protocol import Plan, Protocol
from needlepoint.protocol.units import fmt_mm


def _clean(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True)
class Topic:
    slug: str
    title: str
    paragraphs: tuple[str, ...]
    items: tuple[str, ...] = ()
    citations: tuple[str, ...] = ()
    personal: tuple[str, ...] = field(default=())


#: Topic slug → education key in the protocol file ("areas" is generated from the area table).
ORDER = (
    ("what-it-is", "what_it_is"),
    ("who-it-suits", "who_it_suits"),
    ("does-it-hurt", "does_it_hurt"),
    ("areas", None),
    ("how-often", "how_often"),
    ("aftercare", "aftercare"),
    ("risks", "risks"),
    ("cost", "cost"),
)


def topics(protocol: Protocol) -> list[Topic]:
    d = protocol.data
    out: list[Topic] = []
    for slug, key in ORDER:
        if key is None:
            out.append(_areas(protocol))
            continue
        section = d.education.get(key)
        if section is None:
            continue
        items: tuple[str, ...] = ()
        if key == "who_it_suits":
            items = tuple(f"{i.name}: {_clean(i.description)}" for i in d.indications.values())
            items += tuple(
                f"Not possible: {_clean(r.reason)}"
                for r in d.rules.values()
                if r.action == "BLOCK" and r.scope == "global" and r.applies_to == "treatment"
            )
        elif key == "does_it_hurt":
            agent = d.numbing.agents[d.numbing.default_agent]
            items = (
                f"{agent.name}: applied {agent.application_minutes} minutes before treatment; numb for "
                f"{_hours(agent.effect_hours_min, agent.effect_hours_max)} hours.",
                *(_clean(c.text) for c in d.numbing.conditions),
            )
        elif key == "how_often":
            items = tuple(
                f"{i.name}: {i.course.sessions_min}–{i.course.sessions_max} sessions, {i.course.label}"
                if i.course.sessions_min != i.course.sessions_max
                else f"{i.name}: {i.course.label}"
                for i in d.indications.values()
            )
        elif key == "aftercare":
            items = tuple(f"{a.title}: {_clean(a.text)}" for a in d.aftercare.values())
        elif key == "risks":
            items = tuple(f"{r.name}: {_clean(r.description)}" for r in d.risks.values())
        out.append(Topic(slug, section.title, (_clean(section.body),), items, tuple(section.citations)))
    return out


def _hours(lo: object, hi: object) -> str:
    return f"{lo}" if lo == hi else f"{lo}–{hi}"


def _areas(protocol: Protocol) -> Topic:
    d = protocol.data
    items = []
    for spec in d.areas.values():
        treats = [
            i.name.lower()
            for i in d.indications.values()
            if spec.region in i.regions and any(g in spec.depth for g in i.depth_groups)
        ]
        line = f"{spec.name} ({d.regions[spec.region].name.lower()})"
        if spec.description:
            line += f": {_clean(spec.description)}"
        if treats:
            line += f" Treats: {', '.join(treats)}."
        items.append(line)
    return Topic(
        "areas",
        "Which areas can be treated?",
        (
            "Face, body and scalp. Each area has its own needle depth, set by your practitioner within "
            "fixed safety limits.",
        ),
        tuple(items),
        tuple(dict.fromkeys(c for spec in d.areas.values() for c in spec.citations)),
    )


def topic(protocol: Protocol, slug: str) -> Topic | None:
    return next((t for t in topics(protocol) if t.slug == slug), None)


def personalise(
    t: Topic,
    plan: Plan,
    *,
    sessions: int | None,
    gap: tuple[int, int] | None,
    next_start_local: datetime | None,
) -> Topic:
    """The topic with a "For you" part from the client's confirmed plan."""
    notes: list[str] = []
    if t.slug == "areas":
        notes = [
            f"{a.area_name}: {a.indication_name.lower()}, needle depth {fmt_mm(a.depth.chosen_mm)} mm"
            for a in plan.areas
        ]
    elif t.slug == "how-often" and sessions and gap:
        notes = [f"Your course: {sessions} sessions, {gap[0]}–{gap[1]} days apart."]
    elif t.slug == "does-it-hurt" and plan.numbing is not None:
        n = plan.numbing
        if n.agent_name is None:
            notes = ["No numbing cream is planned for you; your practitioner will explain why."]
        elif next_start_local is not None and n.application_minutes:
            from datetime import timedelta

            apply_at = next_start_local - timedelta(minutes=n.application_minutes)
            notes = [
                f"For your next session: {n.agent_name} goes on at {apply_at:%H:%M} for the "
                f"{next_start_local:%H:%M} start ({next_start_local:%A %d %B})."
            ]
        else:
            notes = [f"{n.agent_name}, applied about {n.application_minutes} minutes before each session."]
    elif t.slug == "aftercare":
        notes = [f"{e.title}: {_clean(e.text)}" for e in plan.aftercare]
    elif t.slug == "risks":
        notes = [
            f"{r.name}: {r.highlight_reason}." for r in plan.risks if r.highlighted and r.highlight_reason
        ]
        if not notes:
            notes = ["None of the risks is particularly likely for you, from what you told us."]
    return Topic(t.slug, t.title, t.paragraphs, t.items, t.citations, tuple(notes))
