"""The owner's retail catalogue: products and their stock at each location (the till sells from
it, checkout decrements it)."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import IntegrityError, transaction

from needlepoint.clinic.clinics.models import Clinic, Location
from needlepoint.clinic.errors import Conflict, InvalidInput, NotFound
from needlepoint.clinic.permissions import Action, Actor, require

from .models import Product, ProductStock


def save_product(
    clinic: Clinic,
    *,
    actor: Actor,
    product: Product | None,
    name: str,
    sku: str,
    price_minor: int,
    is_active: bool,
    stock: Mapping[int, int],
) -> Product:
    """Create or change a product and set its stock per location (`stock`: location id → count)."""
    require(actor, Action.MANAGE_CLINIC, clinic, objs=[product] if product else [])
    if price_minor < 0:
        raise InvalidInput("A price cannot be negative.", field="price")
    if any(q < 0 for q in stock.values()):
        raise InvalidInput("Stock cannot be negative.", field="stock")
    known = set(Location.objects.for_clinic(clinic).filter(pk__in=list(stock)).values_list("pk", flat=True))
    if known != set(stock):
        raise NotFound("No such location.")
    try:
        with transaction.atomic():
            item = product or Product(clinic=clinic)
            item.name, item.sku, item.price_minor, item.is_active = (
                name.strip(),
                sku.strip(),
                price_minor,
                is_active,
            )
            item.save()
            for location_id, quantity in stock.items():
                ProductStock.objects.update_or_create(
                    clinic=clinic, product=item, location_id=location_id, defaults={"quantity": quantity}
                )
    except IntegrityError:
        raise Conflict(f"There is already a product called {name.strip()}.", field="name") from None
    return item


def stock_by_location(product: Product) -> dict[int, int]:
    return dict(ProductStock.objects.filter(product=product).values_list("location_id", "quantity"))


def products_with_stock(clinic: Clinic | int, location: Location) -> list[tuple[Product, int]]:
    """Active products with their count on this location's shelf (0 when none is recorded)."""
    counts = dict(ProductStock.objects.filter(location=location).values_list("product_id", "quantity"))
    clinic_id = clinic if isinstance(clinic, int) else clinic.pk
    return [(p, counts.get(p.pk, 0)) for p in Product.objects.filter(clinic_id=clinic_id, is_active=True)]
