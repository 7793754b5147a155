"""Webhook endpoints and their deliveries, mounted at /webhooks/."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("", views.endpoint_list, name="webhook-list"),
    path("new/", views.endpoint_new, name="webhook-new"),
    path("<int:pk>/", views.endpoint_detail, name="webhook-detail"),
    path("<int:pk>/edit/", views.endpoint_edit, name="webhook-edit"),
    path("<int:pk>/rotate/", views.endpoint_rotate, name="webhook-rotate"),
    path("<int:pk>/test/", views.endpoint_test, name="webhook-test"),
    path("deliveries/<int:pk>/retry/", views.delivery_retry, name="webhook-retry"),
]
