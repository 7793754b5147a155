"""Owner money reports, mounted at /money/."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("", views.money, name="money-reports"),
    path("export.csv", views.money_export, name="money-reports-export"),
    path("reconcile/", views.reconcile, name="money-reconcile"),
]
