"""Client portal, mounted at /portal/<clinic-slug>/, and the public Learn pages
(`learn_urlpatterns`, mounted at /learn/)."""

from __future__ import annotations

from django.urls import include, path

from .views import account, appointments, documents, home, learn, money

learn_urlpatterns = [
    path("", learn.learn_index, name="learn-index"),
    path("<slug:topic>/", learn.learn_topic, name="learn-topic"),
]

urlpatterns = [
    path("login/", account.login, name="portal-login"),
    path("login/<str:token>/", account.redeem, name="portal-redeem"),
    path("logout/", account.logout, name="portal-logout"),
    path("", home.home, name="portal-home"),
    path("", include("needlepoint.portal.reactions")),
    path("", include("needlepoint.portal.reviews")),
    path("intake/", home.intake, name="portal-intake"),
    path("intake/photos/<int:photo_pk>/", home.intake_photo, name="portal-intake-photo"),
    path("consent/<int:document_pk>/", documents.consent, name="portal-consent"),
    path("consent/<int:signature_pk>/pdf/", documents.consent_pdf, name="portal-consent-pdf"),
    path("plans/<int:plan_pk>/quote.pdf", documents.quote_pdf, name="portal-quote-pdf"),
    path("money/", money.money, name="portal-money"),
    path("money/card/", money.card, name="portal-money-card"),
    path("money/invoices/<int:invoice_pk>/", money.invoice, name="portal-invoice"),
    path("money/invoices/<int:invoice_pk>/pdf/", money.invoice_pdf, name="portal-invoice-pdf"),
    path(
        "appointments/<int:appointment_pk>/",
        appointments.prepare,
        name="portal-appointment",
    ),
    path(
        "appointments/<int:appointment_pk>/calendar.ics",
        appointments.calendar,
        name="portal-appointment-ics",
    ),
    path(
        "appointments/<int:appointment_pk>/reschedule/",
        appointments.reschedule,
        name="portal-appointment-reschedule",
    ),
    path(
        "appointments/<int:appointment_pk>/cancel/",
        appointments.cancel,
        name="portal-appointment-cancel",
    ),
]
