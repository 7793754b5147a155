"""Packages and memberships, mounted at the root: pages under a client, actions on a package,
an instalment, a membership or a month, and the owner's plans under /settings/."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("clients/<int:client_pk>/packages/", views.client_packages, name="client-packages"),
    path("clients/<int:client_pk>/packages/sell/", views.package_sell, name="package-sell"),
    path("clients/<int:client_pk>/membership/join/", views.membership_join, name="membership-join"),
    path("packages/<int:pk>/refund/", views.package_refund, name="package-refund"),
    path("instalments/<int:pk>/pay/", views.instalment_pay, name="instalment-pay"),
    path("memberships/<int:pk>/pause/", views.membership_pause, name="membership-pause"),
    path("memberships/<int:pk>/cancel/", views.membership_cancel, name="membership-cancel"),
    path("membership-charges/<int:pk>/pay/", views.membership_charge_pay, name="membership-charge-pay"),
    path("settings/memberships/", views.membership_plans, name="membership-plans"),
    path("settings/memberships/<int:pk>/", views.membership_plans, name="membership-plan-edit"),
]
