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

# (prefix, URL module) of every feature mounted whole; "" for those that name their own resources.
features = [
    ("", "needlepoint.web.dashboard.urls"),
    ("account/", "needlepoint.web.account.urls"),
    ("clients/", "needlepoint.web.clients.urls"),
    ("settings/", "needlepoint.web.setup.urls"),
    ("audit/", "needlepoint.web.audit.urls"),
    ("messages/", "needlepoint.web.messaging.urls"),
    ("reviews/", "needlepoint.web.reviews.urls"),
    ("interop/", "needlepoint.web.interop.urls"),
    ("webhooks/", "needlepoint.web.webhooks.urls"),
    ("", "needlepoint.web.payments_stripe.urls"),
    ("money/", "needlepoint.web.money_reports.urls"),
    ("", "needlepoint.web.booking.urls"),
    ("", "needlepoint.web.journey.urls"),
    ("", "needlepoint.web.treatments.urls"),
    ("", "needlepoint.web.outcomes.urls"),
    ("", "needlepoint.web.payments.urls"),
    ("", "needlepoint.web.packages.urls"),
    ("portal/<slug:slug>/", "needlepoint.portal.urls"),
]

urlpatterns = [
    path("api/", include("needlepoint.api.urls")),
    path("healthz", healthz, name="healthz"),
    *(path(prefix, include(module)) for prefix, module in features),
    path("c/<slug:slug>/reviews/", include(reviews_urls.public_urlpatterns)),
    path("learn/", include(portal_urls.learn_urlpatterns)),
    *moved_paths,
]
