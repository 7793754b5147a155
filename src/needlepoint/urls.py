from django.urls import include, path

urlpatterns = [
    path("", include("needlepoint.web.urls")),
    path("", include("needlepoint.web.journey_urls")),
    path("", include("needlepoint.portal.urls")),
    path("", include("needlepoint.web.messaging_urls")),
]
