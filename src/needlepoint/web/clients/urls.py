"""Client records, mounted at /clients/. Pages of other features about one client (intake,
series, adverse events…) keep their paths under /clients/<id>/ in those features' urls."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("", views.client_list, name="client-list"),
    path("new/", views.client_create, name="client-create"),
    path("<int:pk>/", views.client_detail, name="client-detail"),
    path("<int:pk>/edit/", views.client_edit, name="client-edit"),
    path("<int:pk>/archive/", views.client_archive, name="client-archive"),
    path("<int:pk>/unarchive/", views.client_unarchive, name="client-unarchive"),
    path("<int:pk>/merge/", views.client_merge, name="client-merge"),
]
