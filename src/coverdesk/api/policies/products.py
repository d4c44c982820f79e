"""The product catalogue, read-only: products, their versions and each version's coverages.
Staff see drafts too; customers see active products and their published versions."""

from datetime import date
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from ninja import Query, Router, Schema

from coverdesk.api.auth import API_AUTH
from coverdesk.api.policies.common import caller
from coverdesk.catalog.access import (
    product_for_user,
    product_version_for_user,
    product_versions_for_user,
    products_for_user,
)
from coverdesk.catalog.models import Coverage, Product, ProductVersion
from coverdesk.catalog.selectors import coverages_of_version, version_snapshot

router = Router(tags=["products"], auth=API_AUTH)


class ProductOutput(Schema):
    code: str
    name: str
    name_en: str
    description: str
    description_en: str
    is_active: bool


class CoverageOutput(Schema):
    code: str
    name: str
    name_en: str
    kind: str
    insured_object: str
    sections: list[str]


class VersionOutput(Schema):
    id: int
    number: int
    status: str
    effective_from: date | None
    refund_method: str
    coverages: list[CoverageOutput]


class ProductDetailOutput(ProductOutput):
    versions: list[VersionOutput]


def _product(product: Product) -> dict[str, Any]:
    return {
        "code": product.code,
        "name": product.name,
        "name_en": product.name_en,
        "description": product.description,
        "description_en": product.description_en,
        "is_active": product.is_active,
    }


def _coverage(coverage: Coverage) -> dict[str, Any]:
    return {
        "code": coverage.code,
        "name": coverage.name,
        "name_en": coverage.name_en,
        "kind": coverage.kind,
        "insured_object": coverage.insured_object,
        "sections": [s.code for s in coverage.sections.all()],
    }


def _version(version: ProductVersion) -> dict[str, Any]:
    return {
        "id": version.pk,
        "number": version.number,
        "status": version.status,
        "effective_from": version.effective_from,
        "refund_method": version.refund_method,
        "coverages": [_coverage(c) for c in coverages_of_version(version_id=version.pk)],
    }


@router.get("/products", response=list[ProductOutput], summary="Products")
def product_list_api(
    request: HttpRequest,
    q: str = Query("", description="Part of the code or the name (Chinese or English)"),
    active_only: bool = False,
) -> list[dict[str, Any]]:
    products = products_for_user(user=caller(request))
    if q.strip():
        text = q.strip()
        products = products.filter(
            Q(code__icontains=text) | Q(name__icontains=text) | Q(name_en__icontains=text)
        )
    if active_only:
        products = products.filter(is_active=True)
    return [_product(p) for p in products]


@router.get(
    "/products/{code}", response=ProductDetailOutput, summary="A product, its versions, coverages"
)
def product_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    user = request.auth  # type: ignore[attr-defined]
    product = product_for_user(user=user, code=code)
    versions = product_versions_for_user(user=user, code=code)
    return {**_product(product), "versions": [_version(v) for v in versions]}


@router.get(
    "/product-versions/{int:version_id}",
    response=dict[str, Any],
    summary="A product version in full: coverages, limits, deductibles, rating, clauses",
)
def product_version_detail(request: HttpRequest, version_id: int) -> dict[str, Any]:
    version = product_version_for_user(user=request.auth, version_id=version_id)  # type: ignore[attr-defined]
    return version_snapshot(version_id=version.pk)
