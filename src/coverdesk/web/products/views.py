"""The product catalogue, read-only: products with their versions, and a version in full —
coverages and sections with limits, deductibles, rating, exclusions and claim material
checklists, the clauses with their texts and parameters, and the cancellation terms."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from coverdesk.catalog.access import (
    product_for_user,
    product_versions_for_user,
    products_for_user,
)
from coverdesk.catalog.models import ProductVersion
from coverdesk.catalog.selectors import (
    clauses_of_version,
    coverages_of_version,
    product_version_current,
)
from coverdesk.core import clock
from coverdesk.core.exceptions import NotFound
from coverdesk.web.http import WebRequest
from coverdesk.web.permissions import can_view_products, page_access
from coverdesk.web.products.presentation import (
    clause_rows,
    coverage_view,
    money,
    percent,
    short_rate_rows,
)


def _today() -> date:
    return timezone.localdate(clock.now())


@require_GET
@page_access(can_view_products)
def product_list(request: WebRequest) -> HttpResponse:
    products = products_for_user(user=request.user).prefetch_related(
        Prefetch("versions", queryset=ProductVersion.objects.order_by("number"))
    )
    return render(request, "web/products/list.html", {"products": products})


def _in_force(code: str) -> ProductVersion | None:
    try:
        return product_version_current(code=code, on=_today())
    except NotFound:  # no such product, or nothing published in force today
        return None


@require_GET
@page_access(can_view_products)
def product_detail(request: WebRequest, code: str) -> HttpResponse:
    try:
        product = product_for_user(user=request.user, code=code)
    except NotFound as error:
        raise Http404(error.message) from error
    versions = product_versions_for_user(user=request.user, code=code).select_related(
        "created_by", "published_by"
    )
    current = _in_force(code)
    context = {
        "product": product,
        "versions": versions,
        "current_id": current.pk if current else None,
        "today": _today(),
    }
    return render(request, "web/products/detail.html", context)


@require_GET
@page_access(can_view_products)
def product_version_detail(request: WebRequest, code: str, number: int) -> HttpResponse:
    try:
        versions = product_versions_for_user(user=request.user, code=code)
    except NotFound as error:
        raise Http404(error.message) from error
    version = versions.select_related("published_by").filter(number=number).first()
    if version is None:
        raise Http404
    current = _in_force(code)
    coverages = [coverage_view(c) for c in coverages_of_version(version_id=version.pk)]
    clauses = clause_rows(clauses_of_version(version_id=version.pk))
    context: dict[str, Any] = {
        "product": version.product,
        "version": version,
        "in_force": current is not None and current.pk == version.pk,
        "coverages": coverages,
        "clauses": clauses,
        "short_rate": short_rate_rows(version.short_rate_table or []),
        "flat_share": percent(version.flat_refund_share),
        "cancellation_fee": money(version.cancellation_fee),
        "all_versions": list(versions.values_list("number", "status")),
    }
    return render(request, "web/products/version_detail.html", context)
