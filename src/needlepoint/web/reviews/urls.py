"""Reviews: owners' moderation (mounted at /reviews/) and each clinic's public page
(`public_urlpatterns`, mounted at /c/<slug>/reviews/)."""

from django.urls import URLPattern, URLResolver, path

from .views import moderation, public

urlpatterns: list[URLPattern | URLResolver] = [
    path("", moderation.moderation, name="review-moderation"),
    path("<int:pk>/publish/", moderation.publish, name="review-publish"),
    path("<int:pk>/reject/", moderation.reject, name="review-reject"),
]

public_urlpatterns: list[URLPattern | URLResolver] = [
    path("", public.public_reviews, name="reviews-public"),
]
