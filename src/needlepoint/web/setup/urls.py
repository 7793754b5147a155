"""Clinic set-up, mounted at /settings/: clinic settings, booking policy and the CRUD tables."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from . import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("clinic/", views.clinic_settings, name="clinic-settings"),
    path("booking-policy/", views.booking_policy, name="booking-policy"),
]
for table in views.TABLES:
    urlpatterns += table.urls()
