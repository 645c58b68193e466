"""Products are edited by operators in the admin; saving one goes through here so the change
is announced (``product.updated``: cached public pages showing its price retire)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from lyceum.core import events

from ..models import Product


@transaction.atomic
def product_save(*, actor: Any, product: Product) -> Product:
    created = product.pk is None
    product.save()
    events.emit(
        "product.updated",
        actor=actor,
        obj=product,
        slug=product.slug,
        created=created,
        list_price=product.list_price,
        sale_price=product.sale_price,
        is_active=product.is_active,
    )
    return product


@transaction.atomic
def product_delete(*, actor: Any, product: Product) -> None:
    events.emit("product.updated", actor=actor, obj=product, slug=product.slug, deleted=True)
    product.delete()
