"""Clinic set-up, mounted at /settings/: clinic settings, booking policy and the CRUD tables."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from . import closures, rota, staff, views

urlpatterns: list[URLPattern | URLResolver] = [
    path("clinic/", views.clinic_settings, name="clinic-settings"),
    path("booking-policy/", views.booking_policy, name="booking-policy"),
]
for table in views.TABLES:
    urlpatterns += table.urls()
urlpatterns += staff.urlpatterns
urlpatterns += closures.urlpatterns
urlpatterns += rota.urlpatterns
