from django.urls import include, path

urlpatterns = [path("", include("needlepoint.web.urls"))]
