"""The staff home page, mounted at the site root."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [path("", views.dashboard, name="dashboard")]
