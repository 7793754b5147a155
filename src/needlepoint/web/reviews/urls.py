"""Web routes for reviews: owners' moderation and each clinic's public reviews page."""

from django.urls import URLPattern, URLResolver, path

from .views import moderation as review_moderation
from .views import public as review_public

urlpatterns: list[URLPattern | URLResolver] = [
    path("reviews/", review_moderation.moderation, name="review-moderation"),
    path("reviews/<int:pk>/publish/", review_moderation.publish, name="review-publish"),
    path("reviews/<int:pk>/reject/", review_moderation.reject, name="review-reject"),
    path("c/<slug:slug>/reviews/", review_public.public_reviews, name="reviews-public"),
]
