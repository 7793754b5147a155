"""The owner's payment set-up: tax, invoices, processor, package expiry; products and stock."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from needlepoint.clinic.clinics.models import Location
from needlepoint.clinic.errors import DomainError, NotAllowed, NotFound
from needlepoint.clinic.payments import catalogue, selectors
from needlepoint.clinic.payments.models import Product, ProductStock
from needlepoint.clinic.payments.money import to_major
from needlepoint.clinic.permissions import Action
from needlepoint.web.access import clinic_of, membership_of, staff_view
from needlepoint.web.errors import apply_to_form

from .forms import PaymentSettingsForm, ProductForm


@staff_view(action=Action.MANAGE_CLINIC)
def payment_settings(request: HttpRequest) -> HttpResponse:
    instance = selectors.settings_for(clinic_of(request))
    form = PaymentSettingsForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Payment settings saved.")
        return redirect("payment-settings")
    return render(request, "payments/settings.html", {"form": form}, status=400 if form.errors else 200)


@staff_view(action=Action.MANAGE_CLINIC)
def product_list(request: HttpRequest) -> HttpResponse:
    clinic = clinic_of(request)
    locations = list(Location.objects.for_clinic(clinic).order_by("name"))
    stock: dict[tuple[int, int], int] = {
        (s.product_id, s.location_id): s.quantity for s in ProductStock.objects.filter(clinic=clinic)
    }
    rows = [
        (p, [stock.get((p.pk, loc.pk), 0) for loc in locations])
        for p in Product.objects.filter(clinic=clinic).order_by("name")
    ]
    return render(
        request,
        "payments/products.html",
        {"rows": rows, "locations": locations, "currency": clinic.currency},
    )


@staff_view(action=Action.MANAGE_CLINIC)
def product_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    clinic = clinic_of(request)
    product = None
    if pk is not None:
        product = Product.objects.filter(clinic=clinic, pk=pk).first()
        if product is None:
            raise Http404
    locations = list(Location.objects.for_clinic(clinic).filter(is_active=True).order_by("name"))
    initial: dict[str, object] = {}
    if product is not None:
        held = catalogue.stock_by_location(product)
        initial = {
            "name": product.name,
            "sku": product.sku,
            "price": str(to_major(product.price_minor, clinic.currency)),
            "is_active": product.is_active,
            **{f"stock_{loc.pk}": held.get(loc.pk, 0) for loc in locations},
        }
    form = ProductForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        currency=clinic.currency,
        locations=locations,
    )
    if request.method == "POST" and form.is_valid():
        try:
            catalogue.save_product(
                clinic,
                actor=membership_of(request),
                product=product,
                name=form.cleaned_data["name"],
                sku=form.cleaned_data["sku"],
                price_minor=form.minor("price"),
                is_active=form.cleaned_data["is_active"],
                stock={loc.pk: n for loc, n in form.stock_fields()},
            )
        except (NotAllowed, NotFound):
            raise
        except DomainError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, "Product saved.")
            return redirect("product-list")
    return render(
        request,
        "payments/product_form.html",
        {"form": form, "product": product},
        status=400 if form.errors else 200,
    )
