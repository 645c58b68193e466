"""A price change reaches the cached course page at once (``product.updated``)."""

from __future__ import annotations

import pytest

from lyceum.commerce.services.products import product_save
from lyceum.commerce.templatetags.commerce_money import money
from lyceum.core.models import Event
from lyceum.learning.tests.factories import make_course

from .helpers import make_product

pytestmark = pytest.mark.django_db


def test_a_new_price_shows_on_the_cached_course_page(client, operator, django_capture_on_commit_callbacks):
    course = make_course(is_free=False, title="Paid Python")
    product = make_product(courses=[course], list_price=19900)
    url = f"/courses/{course.slug}/"
    assert money(19900, product.currency) in client.get(url).content.decode()  # cached at ¥199

    product.list_price = 9900
    with django_capture_on_commit_callbacks(execute=True):
        product_save(actor=operator, product=product)

    page = client.get(url).content.decode()
    assert money(9900, product.currency) in page
    assert money(19900, product.currency) not in page
    assert Event.objects.filter(name="product.updated", object_id=str(product.pk)).exists()


def test_a_price_changed_in_the_admin_is_announced(client_for, operator, django_capture_on_commit_callbacks):
    course = make_course(is_free=False)
    product = make_product(courses=[course], list_price=19900)
    admin = client_for(operator)
    form = admin.get(f"/admin/commerce/product/{product.pk}/change/")
    assert form.status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            f"/admin/commerce/product/{product.pk}/change/",
            {
                "kind": product.kind,
                "slug": product.slug,
                "title": product.title,
                "description": "",
                "courses": [course.pk],
                "billing_period": "",
                "currency": product.currency,
                "list_price": "14900",
                "sale_price": "",
                "sale_ends_at_0": "",
                "sale_ends_at_1": "",
                "is_active": "on",
            },
        )

    assert response.status_code == 302
    product.refresh_from_db()
    assert product.list_price == 14900
    assert Event.objects.filter(name="product.updated", props__list_price=14900).exists()
