"""Staff web routes for outcomes: adverse events, session scores, practice analytics."""

from django.urls import URLPattern, URLResolver, path

from .views import analytics
from .views import events as outcome_events
from .views import scores as outcome_scores

urlpatterns: list[URLPattern | URLResolver] = [
    path("adverse-events/", outcome_events.event_list, name="adverse-events"),
    path("adverse-events/export.csv", outcome_events.event_export, name="adverse-events-export"),
    path("adverse-events/<int:pk>/", outcome_events.event_detail, name="adverse-event-detail"),
    path("adverse-events/tasks/<int:pk>/done/", outcome_events.task_done, name="adverse-event-task-done"),
    path(
        "clients/<int:client_pk>/adverse-events/new/",
        outcome_events.event_create,
        name="adverse-event-create",
    ),
    path(
        "appointments/<int:appointment_pk>/outcomes/", outcome_scores.session_scores, name="outcome-scores"
    ),
    path("analytics/", analytics.analytics, name="analytics"),
    path("analytics/export.csv", analytics.analytics_export, name="analytics-export"),
]
