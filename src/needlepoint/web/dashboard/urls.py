"""The start page (the day sheet), mounted at the site root, and its one-click actions."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("today/appointments/<int:pk>/check-in/", views.check_in, name="today-check-in"),
    path("today/appointments/<int:pk>/numbing/", views.start_numbing, name="today-start-numbing"),
    path("today/appointments/<int:pk>/no-show/", views.no_show, name="today-no-show"),
    path("today/red-flags/<int:pk>/acknowledge/", views.acknowledge, name="red-flag-acknowledge"),
]
