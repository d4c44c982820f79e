"""Permission-checked reads of the catalogue. Staff holding catalog.view_product see every
product and version, drafts included; any other signed-in user (a customer) sees active
products and their published versions only; for everyone else nothing exists (NotFound)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from coverdesk.catalog.choices import VersionStatus
from coverdesk.catalog.exceptions import ProductNotFound, ProductVersionNotFound
from coverdesk.catalog.models import Product, ProductVersion

VIEW_PERMISSION = "catalog.view_product"
MANAGE_PERMISSION = "catalog.manage_products"


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def _staff(user: Any) -> bool:
    return _signed_in(user) and bool(
        user.has_perm(VIEW_PERMISSION) or user.has_perm(MANAGE_PERMISSION)
    )


def products_for_user(*, user: Any) -> QuerySet[Product]:
    products = Product.objects.order_by("code")
    if _staff(user):
        return products
    if not _signed_in(user):
        return products.none()
    return products.filter(is_active=True, versions__status=VersionStatus.PUBLISHED).distinct()


def product_for_user(*, user: Any, code: str) -> Product:
    product = products_for_user(user=user).filter(code=code).first()
    if product is None:
        raise ProductNotFound(params={"code": code})
    return product


def product_versions_for_user(*, user: Any, code: str) -> QuerySet[ProductVersion]:
    product = product_for_user(user=user, code=code)
    versions = product.versions.select_related("product").order_by("number")
    return versions if _staff(user) else versions.filter(status=VersionStatus.PUBLISHED)


def product_version_for_user(*, user: Any, version_id: int) -> ProductVersion:
    version = ProductVersion.objects.select_related("product").filter(pk=version_id).first()
    if version is None or not _signed_in(user):
        raise ProductVersionNotFound()
    if _staff(user):
        return version
    if version.status != VersionStatus.PUBLISHED or not version.product.is_active:
        raise ProductVersionNotFound()
    return version
