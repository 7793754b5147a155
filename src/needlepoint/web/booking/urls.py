"""Staff booking routes. They hang off several resources, so the module is mounted at the root
and groups them here: the calendar, one appointment, the waitlist, a client's booking pages and
the secret-token calendar feed (the owner's page for it is under /account/)."""

from __future__ import annotations

from django.urls import include, path

from .views import appointments, calendar, deposits, feeds, series, waitlist

appointment_urls = [
    path("", appointments.appointment_detail, name="appointment-detail"),
    path("move/", appointments.appointment_move, name="appointment-move"),
    path("cancel/", appointments.appointment_cancel, name="appointment-cancel"),
    path("status/", appointments.appointment_status, name="appointment-status"),
    path("appointment.ics", appointments.appointment_ics, name="appointment-ics"),
    path("deposit-paid/", deposits.deposit_paid, name="appointment-deposit-paid"),
    path("waive-fee/", deposits.waive_fee, name="appointment-waive-fee"),
    path("waive-forfeit/", deposits.waive_forfeit, name="appointment-waive-forfeit"),
]

waitlist_urls = [
    path("", waitlist.waitlist, name="waitlist"),
    path("<int:pk>/accept/", waitlist.waitlist_accept, name="waitlist-accept"),
]

client_urls = [
    path("series/new/", series.series_book, name="series-book"),
    path("waitlist/new/", waitlist.waitlist_add, name="waitlist-add"),
]

urlpatterns = [
    path("calendar/", calendar.calendar, name="calendar"),
    path("calendar/book/", calendar.calendar_book, name="calendar-book"),
    path("appointments/<int:pk>/", include(appointment_urls)),
    path("waitlist/", include(waitlist_urls)),
    path("clients/<int:client_pk>/", include(client_urls)),
    path("feeds/<str:token>.ics", feeds.calendar_feed, name="calendar-feed"),
    path("settings/deposits/", deposits.deposit_settings, name="deposit-settings"),
    path("settings/deposits/<int:type_pk>/", deposits.deposit_policy_edit, name="deposit-policy-edit"),
]
