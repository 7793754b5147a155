"""Client messages, mounted at /messages/: the delivery log, templates, settings, reaction reports."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("", views.delivery_log, name="messaging-log"),
    path("templates/", views.templates, name="messaging-templates"),
    path("settings/", views.settings_view, name="messaging-settings"),
    path("reactions/", views.reaction_reports, name="reaction-reports"),
    path("reactions/photos/<int:photo_pk>/", views.reaction_photo, name="reaction-photo"),
]
