"""Client portal (/portal/<clinic>/…) and the public Learn pages (/learn/…)."""

from __future__ import annotations

from django.urls import include, path

from .views import account, appointments, documents, home, learn

urlpatterns = [
    path("learn/", learn.learn_index, name="learn-index"),
    path("learn/<slug:topic>/", learn.learn_topic, name="learn-topic"),
    path("portal/<slug:slug>/login/", account.login, name="portal-login"),
    path("portal/<slug:slug>/login/<str:token>/", account.redeem, name="portal-redeem"),
    path("portal/<slug:slug>/logout/", account.logout, name="portal-logout"),
    path("portal/<slug:slug>/", home.home, name="portal-home"),
    path("", include("needlepoint.portal.reactions")),
    path("", include("needlepoint.portal.reviews")),
    path("portal/<slug:slug>/intake/", home.intake, name="portal-intake"),
    path("portal/<slug:slug>/intake/photos/<int:photo_pk>/", home.intake_photo, name="portal-intake-photo"),
    path("portal/<slug:slug>/consent/<int:document_pk>/", documents.consent, name="portal-consent"),
    path(
        "portal/<slug:slug>/consent/<int:signature_pk>/pdf/", documents.consent_pdf, name="portal-consent-pdf"
    ),
    path("portal/<slug:slug>/plans/<int:plan_pk>/quote.pdf", documents.quote_pdf, name="portal-quote-pdf"),
    path(
        "portal/<slug:slug>/appointments/<int:appointment_pk>/",
        appointments.prepare,
        name="portal-appointment",
    ),
    path(
        "portal/<slug:slug>/appointments/<int:appointment_pk>/calendar.ics",
        appointments.calendar,
        name="portal-appointment-ics",
    ),
    path(
        "portal/<slug:slug>/appointments/<int:appointment_pk>/reschedule/",
        appointments.reschedule,
        name="portal-appointment-reschedule",
    ),
    path(
        "portal/<slug:slug>/appointments/<int:appointment_pk>/cancel/",
        appointments.cancel,
        name="portal-appointment-cancel",
    ),
]
