"""Exports for other systems, mounted at /interop/: FHIR per client, CSV per kind."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("clients/<int:client_pk>/fhir/", views.fhir_export, name="interop-fhir"),
    path("exports/", views.exports, name="interop-exports"),
    path("exports/<slug:kind>.csv", views.csv_download, name="interop-csv"),
]
