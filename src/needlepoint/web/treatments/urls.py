"""Staff web routes of treatment day (numbing, charts, photos, lots)."""

from django.urls import URLPattern, URLResolver, path

from .views import day, lots, photos

urlpatterns: list[URLPattern | URLResolver] = [
    path("appointments/<int:pk>/treatment/", day.treatment_day, name="treatment-day"),
    path("appointments/<int:pk>/treatment/clock/", day.numbing_clock, name="numbing-clock"),
    path("appointments/<int:pk>/treatment/check-in/", day.check_in, name="treatment-check-in"),
    path("appointments/<int:pk>/treatment/numbing/", day.record_numbing, name="treatment-numbing"),
    path("appointments/<int:pk>/chart/entries/", day.chart_entry_add, name="chart-entry-add"),
    path("appointments/<int:pk>/chart/sign/", day.chart_sign, name="chart-sign"),
    path("appointments/<int:pk>/chart/addenda/", day.chart_addendum, name="chart-addendum"),
    path("appointments/<int:pk>/photos/", day.photo_add, name="treatment-photo-add"),
    path("numbing/<int:pk>/removed/", day.numbing_remove, name="numbing-remove"),
    path("chart-entries/<int:pk>/remove/", day.chart_entry_remove, name="chart-entry-remove"),
    path("treatment-photos/<int:photo_pk>/", photos.treatment_photo, name="treatment-photo"),
    path("clients/<int:pk>/photos/compare/", photos.photo_compare, name="photo-compare"),
    path("lots/", lots.lot_list, name="lot-list"),
    path("lots/<int:pk>/", lots.lot_detail, name="lot-detail"),
    path("lots/<int:pk>/use/", lots.lot_use, name="lot-use"),
    path("lots/<int:pk>/recall/", lots.lot_recall, name="lot-recall"),
]
