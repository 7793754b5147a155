"""Staff account routes, mounted at /account/: sign-in, second factor, the clinic switch, API
tokens and one's own calendar feed (its views live with booking, which serves the feed)."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from needlepoint.web.booking.views import feeds
from needlepoint.web.reauth import confirm_password

from .views import api_tokens, auth, invitations

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("confirm/", confirm_password, name="reauth"),
    path("invitation/<str:token>/", invitations.accept_invitation, name="invitation-accept"),
    path("2fa/setup/", auth.two_factor_setup, name="2fa-setup"),
    path("2fa/verify/", auth.two_factor_verify, name="2fa-verify"),
    path("switch-clinic/", auth.switch_clinic, name="switch-clinic"),
    path("calendar-feed/", feeds.my_feed, name="my-feed"),
    path("calendar-feed/reset/", feeds.my_feed_reset, name="my-feed-reset"),
    path("api-tokens/", api_tokens.api_tokens, name="api-tokens"),
]
