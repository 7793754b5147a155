"""Staff web routes."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import include, path

from .account.views import api_tokens
from .account.views import auth as account
from .audit import views as audit
from .booking.views import appointments, calendar, feeds, series, waitlist
from .clients import views as clients
from .dashboard import views as dashboard
from .setup import views as setup

setup_urls = [
    path("clinic/", setup.clinic_settings, name="clinic-settings"),
    path("booking-policy/", setup.booking_policy, name="booking-policy"),
]
for table in setup.TABLES:
    setup_urls += table.urls()

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("healthz", account.healthz, name="healthz"),
    path("account/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("account/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/2fa/setup/", account.two_factor_setup, name="2fa-setup"),
    path("account/2fa/verify/", account.two_factor_verify, name="2fa-verify"),
    path("clinic/switch/", account.switch_clinic, name="switch-clinic"),
    path("clients/", clients.client_list, name="client-list"),
    path("clients/new/", clients.client_create, name="client-create"),
    path("clients/<int:pk>/", clients.client_detail, name="client-detail"),
    path("clients/<int:pk>/edit/", clients.client_edit, name="client-edit"),
    path("clients/<int:pk>/archive/", clients.client_archive, name="client-archive"),
    path("settings/", include(setup_urls)),
    path("audit/", audit.audit_log, name="audit-log"),
    path("calendar/", calendar.calendar, name="calendar"),
    path("clients/<int:client_pk>/series/new/", series.series_book, name="series-book"),
    path("clients/<int:client_pk>/waitlist/new/", waitlist.waitlist_add, name="waitlist-add"),
    path("appointments/<int:pk>/", appointments.appointment_detail, name="appointment-detail"),
    path("appointments/<int:pk>/move/", appointments.appointment_move, name="appointment-move"),
    path("appointments/<int:pk>/cancel/", appointments.appointment_cancel, name="appointment-cancel"),
    path("appointments/<int:pk>/status/", appointments.appointment_status, name="appointment-status"),
    path("appointments/<int:pk>/appointment.ics", appointments.appointment_ics, name="appointment-ics"),
    path("waitlist/", waitlist.waitlist, name="waitlist"),
    path("waitlist/<int:pk>/accept/", waitlist.waitlist_accept, name="waitlist-accept"),
    path("account/calendar-feed/", feeds.my_feed, name="my-feed"),
    path("account/api-tokens/", api_tokens.api_tokens, name="api-tokens"),
    path("account/calendar-feed/reset/", feeds.my_feed_reset, name="my-feed-reset"),
    path("feeds/<str:token>.ics", feeds.calendar_feed, name="calendar-feed"),
]
