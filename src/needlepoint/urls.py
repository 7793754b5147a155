"""The site's URL table: each interface feature is mounted under the prefix its routes share.
Booking, journey, treatments and outcomes serve pages under several resources (an appointment,
a client…), so they are mounted at the root and group their routes by resource themselves."""

from django.urls import include, path

from needlepoint.portal import urls as portal_urls
from needlepoint.web.account.views.auth import healthz
from needlepoint.web.redirects import moved
from needlepoint.web.reviews import urls as reviews_urls

# Paths that moved when the web was split by feature; names stay, the old paths redirect.
moved_paths = [
    path("clinic/switch/", moved("switch-clinic", keeps_method=True), name="switch-clinic-moved"),
]

urlpatterns = [
    path("api/", include("needlepoint.api.urls")),
    path("healthz", healthz, name="healthz"),
    path("", include("needlepoint.web.dashboard.urls")),
    path("account/", include("needlepoint.web.account.urls")),
    path("clients/", include("needlepoint.web.clients.urls")),
    path("settings/", include("needlepoint.web.setup.urls")),
    path("audit/", include("needlepoint.web.audit.urls")),
    path("messages/", include("needlepoint.web.messaging.urls")),
    path("reviews/", include("needlepoint.web.reviews.urls")),
    path("c/<slug:slug>/reviews/", include(reviews_urls.public_urlpatterns)),
    path("interop/", include("needlepoint.web.interop.urls")),
    path("webhooks/", include("needlepoint.web.webhooks.urls")),
    path("", include("needlepoint.web.booking.urls")),
    path("", include("needlepoint.web.journey.urls")),
    path("", include("needlepoint.web.treatments.urls")),
    path("", include("needlepoint.web.outcomes.urls")),
    path("portal/<slug:slug>/", include("needlepoint.portal.urls")),
    path("learn/", include(portal_urls.learn_urlpatterns)),
    *moved_paths,
]
