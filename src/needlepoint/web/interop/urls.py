from django.urls import path

from ..webhooks import views as webhooks
from . import views as interop

urlpatterns = [
    path("interop/clients/<int:client_pk>/fhir/", interop.fhir_export, name="interop-fhir"),
    path("interop/exports/", interop.exports, name="interop-exports"),
    path("interop/exports/<slug:kind>.csv", interop.csv_download, name="interop-csv"),
    path("webhooks/", webhooks.endpoint_list, name="webhook-list"),
    path("webhooks/new/", webhooks.endpoint_new, name="webhook-new"),
    path("webhooks/<int:pk>/", webhooks.endpoint_detail, name="webhook-detail"),
    path("webhooks/<int:pk>/edit/", webhooks.endpoint_edit, name="webhook-edit"),
    path("webhooks/<int:pk>/rotate/", webhooks.endpoint_rotate, name="webhook-rotate"),
    path("webhooks/<int:pk>/test/", webhooks.endpoint_test, name="webhook-test"),
    path("webhooks/deliveries/<int:pk>/retry/", webhooks.delivery_retry, name="webhook-retry"),
]
