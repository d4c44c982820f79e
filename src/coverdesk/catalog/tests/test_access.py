from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser

from coverdesk.catalog.access import (
    product_for_user,
    product_version_for_user,
    product_versions_for_user,
    products_for_user,
)
from coverdesk.catalog.exceptions import ProductNotFound, ProductVersionNotFound
from coverdesk.catalog.models import ProductVersion
from coverdesk.catalog.services import product_version_draft
from coverdesk.catalog.tests.factories import AVIATION, grant, make_draft, make_product_manager

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    manager = make_product_manager()
    hidden = make_draft(manager, code="new-product")
    draft = product_version_draft(
        acting_user=manager, product_code=AVIATION, effective_from=date(2027, 1, 1)
    )
    published = ProductVersion.objects.get(product__code=AVIATION, number=1)
    return {"manager": manager, "hidden": hidden, "draft": draft, "published": published}


def test_staff_with_view_permission_see_drafts_too(world, role_user):
    broker = grant(role_user("broker"), "catalog.view_product")

    assert [p.code for p in products_for_user(user=broker)] == [AVIATION, "new-product"]
    assert [v.number for v in product_versions_for_user(user=broker, code=AVIATION)] == [1, 2]
    assert product_version_for_user(user=broker, version_id=world["draft"].pk) == world["draft"]


def test_a_customer_sees_active_products_and_published_versions_only(world, role_user):
    customer = role_user("customer")

    assert [p.code for p in products_for_user(user=customer)] == [AVIATION]
    assert [v.number for v in product_versions_for_user(user=customer, code=AVIATION)] == [1]
    assert product_version_for_user(user=customer, version_id=world["published"].pk).number == 1
    with pytest.raises(ProductVersionNotFound):
        product_version_for_user(user=customer, version_id=world["draft"].pk)
    with pytest.raises(ProductNotFound):
        product_for_user(user=customer, code="new-product")


def test_anonymous_and_inactive_users_see_nothing(world, role_user):
    inactive = grant(role_user("broker"), "catalog.view_product")
    inactive.is_active = False
    inactive.save()
    for user in (AnonymousUser(), inactive):
        assert list(products_for_user(user=user)) == []
        with pytest.raises(ProductVersionNotFound):
            product_version_for_user(user=user, version_id=world["published"].pk)
        with pytest.raises(ProductNotFound):
            product_for_user(user=user, code=AVIATION)
