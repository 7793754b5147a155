from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "needlepoint.clinic.reviews"
    label = "reviews"
    verbose_name = "Client reviews"
