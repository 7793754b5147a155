"""Client messages, mounted at /messages/: the delivery log, replies from clients (inbox and
conversations, and the two webhooks they arrive through), templates, settings, reaction reports."""

from __future__ import annotations

from django.urls import path

from . import inbound, inbox, views

urlpatterns = [
    path("", views.delivery_log, name="messaging-log"),
    path("templates/", views.templates, name="messaging-templates"),
    path("settings/", views.settings_view, name="messaging-settings"),
    path("reactions/", views.reaction_reports, name="reaction-reports"),
    path("reactions/photos/<int:photo_pk>/", views.reaction_photo, name="reaction-photo"),
    path("inbox/", inbox.inbox, name="messaging-inbox"),
    path("inbox/<int:pk>/", inbox.conversation, name="messaging-conversation"),
    path("inbox/<int:pk>/handled/", inbox.conversation_handled, name="messaging-conversation-handled"),
    path("inbox/unmatched/<int:pk>/handled/", inbox.unmatched_handled, name="messaging-unmatched-handled"),
    # Webhooks (no session; CSRF-exempt, each checks its own signature or secret).
    path("inbound/sms/", inbound.inbound_sms, name="inbound-sms"),
    path("inbound/email/", inbound.inbound_email, name="inbound-email"),
    path("inbound/email/<str:secret>/", inbound.inbound_email, name="inbound-email-secret"),
]
