"""Checks of free text and amounts that the policies services share. Pure: no database."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from coverdesk.core.exceptions import ValidationFailed

TEXT_LIMIT = 300


def text_clean(value: str, *, field: str, required: bool = False, limit: int = TEXT_LIMIT) -> str:
    cleaned = value.strip()
    if required and not cleaned:
        raise ValidationFailed.for_field(field, "required", _("This field is required."))
    if len(cleaned) > limit:
        raise ValidationFailed.for_field(
            field, "max_length", _("At most {limit} characters."), limit=limit
        )
    return cleaned


def money_clean(value: Any, *, field: str, allow_none: bool = False) -> Decimal | None:
    """A non-negative amount with at most two decimals."""
    if value is None or value == "":
        if allow_none:
            return None
        raise ValidationFailed.for_field(field, "required", _("An amount is required."))
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        raise ValidationFailed.for_field(field, "number", _("Not an amount.")) from None
    if not amount.is_finite():
        raise ValidationFailed.for_field(field, "number", _("Not an amount."))
    if amount < 0:
        raise ValidationFailed.for_field(field, "min_value", _("The amount cannot be negative."))
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationFailed.for_field(field, "decimal_places", _("At most two decimals (fen)."))
    return amount
