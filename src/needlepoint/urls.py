from django.urls import include, path

urlpatterns = [
    path("api/", include("needlepoint.api.urls")),
    path("", include("needlepoint.web.urls")),
    path("", include("needlepoint.web.journey.urls")),
    path("", include("needlepoint.portal.urls")),
    path("", include("needlepoint.web.messaging.urls")),
    path("", include("needlepoint.web.treatments.urls")),
    path("", include("needlepoint.web.outcomes.urls")),
    path("", include("needlepoint.web.reviews.urls")),
    path("", include("needlepoint.web.interop.urls")),
]
