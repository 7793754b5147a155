"""Staff routes of treatment day (numbing, charts, photos) and lots. They hang off several
resources, so the module is mounted at the root and groups them here."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path

from .views import day, lots, photos

appointment_urls = [
    path("treatment/", day.treatment_day, name="treatment-day"),
    path("treatment/clock/", day.numbing_clock, name="numbing-clock"),
    path("treatment/check-in/", day.check_in, name="treatment-check-in"),
    path("treatment/numbing/", day.record_numbing, name="treatment-numbing"),
    path("chart/entries/", day.chart_entry_add, name="chart-entry-add"),
    path("chart/sign/", day.chart_sign, name="chart-sign"),
    path("chart/addenda/", day.chart_addendum, name="chart-addendum"),
    path("photos/", day.photo_add, name="treatment-photo-add"),
]

lot_urls = [
    path("", lots.lot_list, name="lot-list"),
    path("<int:pk>/", lots.lot_detail, name="lot-detail"),
    path("<int:pk>/use/", lots.lot_use, name="lot-use"),
    path("<int:pk>/recall/", lots.lot_recall, name="lot-recall"),
]

urlpatterns: list[URLPattern | URLResolver] = [
    path("appointments/<int:pk>/", include(appointment_urls)),
    path("numbing/<int:pk>/removed/", day.numbing_remove, name="numbing-remove"),
    path("chart-entries/<int:pk>/remove/", day.chart_entry_remove, name="chart-entry-remove"),
    path("treatment-photos/<int:photo_pk>/", photos.treatment_photo, name="treatment-photo"),
    path("clients/<int:pk>/photos/compare/", photos.photo_compare, name="photo-compare"),
    path("lots/", include(lot_urls)),
]
