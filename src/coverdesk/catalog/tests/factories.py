"""Test products built through the services, and a product administrator."""

from datetime import date
from decimal import Decimal

from django.contrib.auth.models import Permission

from coverdesk.accounts.tests.factories import make_user
from coverdesk.catalog.services import (
    coverage_add,
    coverage_limit_add,
    product_create,
    product_version_draft,
    product_version_publish,
    rating_rule_set,
)

AVIATION = "aviation-programme"


def grant(user, *labels):
    """Give `user` permissions directly (independent of the role mapping), fresh from the DB."""
    for label in labels:
        app_label, codename = label.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    for cache in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        if hasattr(user, cache):
            delattr(user, cache)
    return user


def make_product_manager(role="admin", **fields):
    return grant(make_user(role, **fields), "catalog.manage_products", "catalog.view_product")


def make_draft(manager, *, code="test-product", effective_from=date(2026, 1, 1)):
    product_create(acting_user=manager, code=code, name="测试产品", name_en="Test product")
    return product_version_draft(
        acting_user=manager, product_code=code, effective_from=effective_from
    )


def make_published(manager, *, code="test-product", effective_from=date(2026, 1, 1)):
    """A published product with one aircraft coverage rated at 1 % of the agreed value."""
    draft = make_draft(manager, code=code, effective_from=effective_from)
    hull = coverage_add(
        acting_user=manager,
        version_id=draft.pk,
        code="hull",
        name="机身险",
        name_en="Hull",
        kind="hull",
        insured_object="aircraft",
    )
    coverage_limit_add(
        acting_user=manager,
        coverage_id=hull.pk,
        kind="per_occurrence",
        basis="agreed_value",
        share=Decimal("1"),
    )
    rating_rule_set(
        acting_user=manager, coverage_id=hull.pk, method="agreed_value_rate", rate="0.01"
    )
    return product_version_publish(acting_user=manager, version_id=draft.pk)
