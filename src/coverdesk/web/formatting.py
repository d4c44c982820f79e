"""How amounts are shown on every page: grouped thousands and two decimals in every language.

Django's localised number formats would drop the thousands separator in zh_Hans, which makes
70000000.00 hard to read; amounts are signed numbers, so one format serves both languages."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any


def money(value: Any) -> str:
    """12345.6 -> "12,345.60"; None or "" -> ""; anything that is not an amount as it is."""
    if value is None or value == "":
        return ""
    try:
        return f"{Decimal(str(value)):,.2f}"
    except (InvalidOperation, ValueError):
        return str(value)
