"""Excel files of the policy statistics and of the policies expiring in a period: the same
rows the pages show, written with the generic `reports.exports.xlsx_table`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from coverdesk.catalog.models import Product
from coverdesk.policies.choices import RenewalStatus
from coverdesk.policies.selectors.policies import ExpiringPolicy
from coverdesk.reports.exports import Column, xlsx_table
from coverdesk.web.policies.presentation import english
from coverdesk.web.policies.queries import StatisticsRow


def _product_name(products: Mapping[str, Product], code: str) -> str:
    product = products.get(code)
    if product is None:
        return code
    return product.name_en if english() else product.name


def statistics_xlsx(rows: Sequence[StatisticsRow], products: Mapping[str, Product]) -> bytes:
    columns = [
        Column(_("From"), "date"),
        Column(_("To"), "date"),
        Column(_("Product code"), "text"),
        Column(_("Product"), "text"),
        Column(_("Policies issued"), "integer"),
        Column(_("Premium written"), "decimal"),
    ]
    cells: list[list[object]] = [
        [
            row.period.first_day,
            row.period.last_day,
            row.figures.product_code,
            _product_name(products, row.figures.product_code),
            row.figures.policies,
            row.figures.premium_written,
        ]
        for row in rows
    ]
    cells.append(
        [
            None,
            None,
            "",
            _("Total"),
            sum(row.figures.policies for row in rows),
            sum((row.figures.premium_written for row in rows), Decimal("0.00")),
        ]
    )
    return xlsx_table(columns, cells, sheet_title=_("Policy statistics"))


def statistics_filename(first_day: date, last_day: date) -> str:
    return f"policy-statistics-{first_day.isoformat()}-{last_day.isoformat()}.xlsx"


def expiring_xlsx(rows: Sequence[ExpiringPolicy], *, today: date) -> bytes:
    columns = [
        Column(_("Policy number"), "text"),
        Column(_("Customer"), "text"),
        Column(_("Product"), "text"),
        Column(_("Period start"), "date"),
        Column(_("Period end (24:00)"), "date"),
        Column(_("Days left"), "integer"),
        Column(_("Term premium"), "decimal"),
        Column(_("Renewal"), "text"),
        Column(_("Renewed by"), "text"),
    ]
    cells = []
    for row in rows:
        policy = row.policy
        product = policy.product_version.product
        cells.append(
            [
                policy.number,
                policy.customer.name,
                product.name_en if english() else product.name,
                policy.period_start,
                policy.period_end,
                (policy.period_end - today).days,
                policy.term_premium,
                str(RenewalStatus(row.renewal_status).label),
                row.renewed_by or "",
            ]
        )
    return xlsx_table(columns, cells, sheet_title=_("Expiring policies"))


def expiring_filename(first_day: date, last_day: date) -> str:
    return f"policies-expiring-{first_day.isoformat()}-{last_day.isoformat()}.xlsx"
