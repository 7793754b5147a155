from django.urls import path

from . import views as messaging

urlpatterns = [
    path("messages/", messaging.delivery_log, name="messaging-log"),
    path("messages/templates/", messaging.templates, name="messaging-templates"),
    path("messages/settings/", messaging.settings_view, name="messaging-settings"),
    path("messages/reactions/", messaging.reaction_reports, name="reaction-reports"),
    path("messages/reactions/photos/<int:photo_pk>/", messaging.reaction_photo, name="reaction-photo"),
]
