"""Stripe's pages: the owner's keys page and the webhook Stripe posts to. Mounted at the root
(the two live under different prefixes)."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("settings/payments/stripe/", views.stripe_settings, name="stripe-settings"),
    path("settings/payments/stripe/disconnect/", views.stripe_disconnect, name="stripe-disconnect"),
    path("stripe/webhook/<slug:slug>/", views.stripe_webhook, name="stripe-webhook"),
]
