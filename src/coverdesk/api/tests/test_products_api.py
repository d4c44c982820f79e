"""The catalogue API: products, versions with coverages, a version in full; who sees what."""

from datetime import date

import pytest
from django.test import Client

from coverdesk.accounts.tests.factories import make_user
from coverdesk.catalog.services import product_version_draft

pytestmark = pytest.mark.django_db

CODE = "aviation-programme"


def test_products_anonymous_is_401():
    assert Client().get("/api/v1/products").status_code == 401
    assert Client().get(f"/api/v1/products/{CODE}").status_code == 401


def test_staff_see_the_aviation_product_with_its_coverages(api_client_for):
    client, _user = api_client_for("clerk")

    listed = client.get("/api/v1/products")
    detail = client.get(f"/api/v1/products/{CODE}")

    assert listed.status_code == 200
    assert CODE in [p["code"] for p in listed.json()]
    assert detail.status_code == 200
    version = detail.json()["versions"][0]
    assert "aviation_comprehensive" in [c["code"] for c in version["coverages"]]
    full = client.get(f"/api/v1/product-versions/{version['id']}")
    assert full.status_code == 200


def test_unknown_product_is_404(api_client_for):
    client, _user = api_client_for("customer")

    response = client.get("/api/v1/products/no-such-product")

    assert response.status_code == 404


def test_a_customer_does_not_see_a_draft_version_staff_do(api_client_for):
    customer, _user = api_client_for("customer")
    clerk, _clerk = api_client_for("clerk")
    draft = product_version_draft(
        acting_user=make_user("admin"), product_code=CODE, effective_from=date(2027, 1, 1)
    )

    assert customer.get(f"/api/v1/product-versions/{draft.pk}").status_code == 404
    assert draft.pk not in [
        v["id"] for v in customer.get(f"/api/v1/products/{CODE}").json()["versions"]
    ]
    assert clerk.get(f"/api/v1/product-versions/{draft.pk}").status_code == 200


def test_products_filtered_by_text_and_by_being_sold(api_client_for):
    from coverdesk.catalog.services import product_create, product_update

    admin = make_user("admin")
    product_create(acting_user=admin, code="cargo-marine", name="货运险", name_en="Marine cargo")
    product_create(acting_user=admin, code="drone-liability", name="无人机责任险", name_en="Drones")
    product_update(acting_user=admin, code="drone-liability", is_active=False)
    client, _user = api_client_for("clerk")

    def codes(query):
        response = client.get(f"/api/v1/products{query}")
        assert response.status_code == 200
        return [p["code"] for p in response.json()]

    assert codes("") == ["aviation-programme", "cargo-marine", "drone-liability"]
    assert codes("?q=CARGO") == ["cargo-marine"]
    assert codes("?q=无人机") == ["drone-liability"]
    assert codes("?q=marine") == ["cargo-marine"]
    assert codes("?active_only=true") == ["aviation-programme", "cargo-marine"]
    assert codes("?q=nothing-like-it") == []
