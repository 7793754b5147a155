"""Staff routes for outcomes: adverse events, session scores, practice analytics. They hang off
several resources, so the module is mounted at the root and groups them here."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path

from .views import analytics, events, scores

event_urls = [
    path("", events.event_list, name="adverse-events"),
    path("export.csv", events.event_export, name="adverse-events-export"),
    path("<int:pk>/", events.event_detail, name="adverse-event-detail"),
    path("tasks/<int:pk>/done/", events.task_done, name="adverse-event-task-done"),
]

analytics_urls = [
    path("", analytics.analytics, name="analytics"),
    path("export.csv", analytics.analytics_export, name="analytics-export"),
]

urlpatterns: list[URLPattern | URLResolver] = [
    path("adverse-events/", include(event_urls)),
    path("clients/<int:client_pk>/adverse-events/new/", events.event_create, name="adverse-event-create"),
    path("appointments/<int:appointment_pk>/outcomes/", scores.session_scores, name="outcome-scores"),
    path("analytics/", include(analytics_urls)),
]
