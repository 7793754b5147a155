"""Staff routes of the client journey. Object ids are named for their model (`plan_pk` …), and
every view fetches them with `for_clinic(request.clinic)`."""

from __future__ import annotations

from django.urls import path

from .views import consent, intake, plans, pricing

urlpatterns = [
    path("clients/<int:client_pk>/intake/new/", intake.intake_create, name="intake-create"),
    path("clients/<int:client_pk>/intake/tablet/", intake.intake_tablet, name="intake-tablet"),
    path("intakes/<int:intake_pk>/", intake.intake_detail, name="intake-detail"),
    path("intake-photos/<int:photo_pk>/", intake.intake_photo, name="intake-photo"),
    path("intakes/<int:intake_pk>/plan/", plans.plan_create, name="plan-create"),
    path("plans/<int:plan_pk>/", plans.plan_detail, name="plan-detail"),
    path("plans/<int:plan_pk>/edit/", plans.plan_edit, name="plan-edit"),
    path(
        "plans/<int:plan_pk>/findings/<int:finding_pk>/acknowledge/",
        plans.finding_acknowledge,
        name="finding-acknowledge",
    ),
    path("plans/<int:plan_pk>/confirm/", plans.plan_confirm, name="plan-confirm"),
    path("plans/<int:plan_pk>/cancel/", plans.plan_cancel, name="plan-cancel"),
    path("plans/<int:plan_pk>/consent/", consent.consent_generate, name="consent-generate"),
    path("plans/<int:plan_pk>/quote/", pricing.quote_detail, name="quote-detail"),
    path("plans/<int:plan_pk>/quote.pdf", pricing.quote_pdf, name="quote-pdf"),
    path("consents/<int:document_pk>/", consent.consent_detail, name="consent-detail"),
    path("consents/<int:document_pk>/sign/", consent.consent_sign_tablet, name="consent-sign-tablet"),
    path("consent-signatures/<int:signature_pk>/pdf/", consent.consent_pdf, name="consent-pdf"),
    path("settings/prices/", pricing.price_list, name="price-list"),
]
