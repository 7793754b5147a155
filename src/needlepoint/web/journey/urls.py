"""Staff routes of the client journey. They hang off several resources, so the module is mounted
at the root and groups them here. Object ids are named for their model (`plan_pk` …), and every
view fetches them with `for_clinic(request.clinic)`."""

from __future__ import annotations

from django.urls import include, path

from .views import consent, intake, plans, pricing

client_urls = [
    path("intake/new/", intake.intake_create, name="intake-create"),
    path("intake/tablet/", intake.intake_tablet, name="intake-tablet"),
]

plan_urls = [
    path("", plans.plan_detail, name="plan-detail"),
    path("edit/", plans.plan_edit, name="plan-edit"),
    path("findings/<int:finding_pk>/acknowledge/", plans.finding_acknowledge, name="finding-acknowledge"),
    path("confirm/", plans.plan_confirm, name="plan-confirm"),
    path("cancel/", plans.plan_cancel, name="plan-cancel"),
    path("consent/", consent.consent_generate, name="consent-generate"),
    path("quote/", pricing.quote_detail, name="quote-detail"),
    path("quote.pdf", pricing.quote_pdf, name="quote-pdf"),
]

urlpatterns = [
    path("clients/<int:client_pk>/", include(client_urls)),
    path("intakes/<int:intake_pk>/", intake.intake_detail, name="intake-detail"),
    path("intakes/<int:intake_pk>/plan/", plans.plan_create, name="plan-create"),
    path("intake-photos/<int:photo_pk>/", intake.intake_photo, name="intake-photo"),
    path("plans/<int:plan_pk>/", include(plan_urls)),
    path("consents/<int:document_pk>/", consent.consent_detail, name="consent-detail"),
    path("consents/<int:document_pk>/sign/", consent.consent_sign_tablet, name="consent-sign-tablet"),
    path("consent-signatures/<int:signature_pk>/pdf/", consent.consent_pdf, name="consent-pdf"),
    path("settings/prices/", pricing.price_list, name="price-list"),
]
