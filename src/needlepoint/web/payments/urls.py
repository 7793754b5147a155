"""Payments pages. They hang off several resources (a visit's checkout, an invoice, a client's
account, the owner's settings), so the module is mounted at the root like booking."""

from __future__ import annotations

from django.urls import path

from . import account, checkout, invoices, setup

urlpatterns = [
    path("appointments/<int:pk>/checkout/", checkout.checkout_page, name="checkout"),
    path("appointments/<int:pk>/checkout/total/", checkout.checkout_total, name="checkout-total"),
    path("invoices/<int:pk>/", invoices.invoice_detail, name="invoice-detail"),
    path("invoices/<int:pk>/pdf/", invoices.invoice_download, name="invoice-pdf"),
    path("invoices/<int:pk>/refund/", invoices.invoice_refund, name="invoice-refund"),
    path("clients/<int:pk>/account/", account.client_account, name="client-account"),
    path("clients/<int:pk>/account/pay/", account.account_pay, name="client-account-pay"),
    path("settings/payments/", setup.payment_settings, name="payment-settings"),
    path("settings/products/", setup.product_list, name="product-list"),
    path("settings/products/new/", setup.product_form, name="product-create"),
    path("settings/products/<int:pk>/edit/", setup.product_form, name="product-edit"),
]
