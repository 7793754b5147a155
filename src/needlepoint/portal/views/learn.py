"""Public "Learn" pages from the protocol data; personal notes for a signed-in client."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from needlepoint.clinic.audit.services import record_access
from needlepoint.clinic.plans.selectors import current_plan, engine_plan
from needlepoint.portal import learn
from needlepoint.portal.session import portal_context, session_client
from needlepoint.protocol import default_protocol

from .home import upcoming


def _personal(request: HttpRequest, topics: list[learn.Topic]) -> tuple[list[learn.Topic], object]:
    client = session_client(request)
    if client is None:
        return topics, None
    plan = current_plan(client)
    if plan is None:
        return topics, client
    # The personal notes are the client's own PHI: the read is logged like any other.
    record_access(portal_context(request, client), client=client, action="portal-learn")
    engine = engine_plan(plan)
    coming = upcoming(client)
    next_local = coming[0][0].start.astimezone(ZoneInfo(coming[0][0].location.timezone)) if coming else None
    gap = (plan.gap_min_days, plan.gap_max_days) if plan.gap_min_days and plan.gap_max_days else None
    return [
        learn.personalise(t, engine, sessions=plan.sessions, gap=gap, next_start_local=next_local)
        for t in topics
    ], client


def learn_index(request: HttpRequest) -> HttpResponse:
    protocol = default_protocol()
    topics, client = _personal(request, learn.topics(protocol))
    return render(
        request, "portal/learn_index.html", {"topics": topics, "portal_client": client, "protocol": protocol}
    )


def learn_topic(request: HttpRequest, topic: str) -> HttpResponse:
    protocol = default_protocol()
    found = learn.topic(protocol, topic)
    if found is None:
        raise Http404("No such topic")
    topics, client = _personal(request, [found])
    all_topics = learn.topics(protocol)
    return render(
        request,
        "portal/learn_topic.html",
        {"topic": topics[0], "topics": all_topics, "portal_client": client, "protocol": protocol},
    )
