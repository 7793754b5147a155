from django.urls import include, path

urlpatterns = [
    path("api/", include("needlepoint.api.urls")),
    path("", include("needlepoint.web.urls")),
    path("", include("needlepoint.web.journey_urls")),
    path("", include("needlepoint.portal.urls")),
    path("", include("needlepoint.web.messaging_urls")),
    path("", include("needlepoint.web.treatment_urls")),
    path("", include("needlepoint.web.outcome_urls")),
    path("", include("needlepoint.web.review_urls")),
    path("", include("needlepoint.web.interop_urls")),
]
