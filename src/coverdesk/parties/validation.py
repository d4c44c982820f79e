"""Checks and normal forms for customer identifiers. Pure: no database.

Each ``clean_*`` returns the value in its stored form or raises ValidationFailed naming the
field and the rule.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from coverdesk.core.exceptions import FieldError, ValidationFailed

# GB 11643: weights of the first 17 digits; the remainder mod 11 picks the check character.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
ID_PATTERN = re.compile(r"\d{17}[\dX]")

# GB 32100: 31 characters (no I, O, S, V, Z); weights 3^i mod 31.
CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
CREDIT_CODE_PATTERN = re.compile(rf"[{CREDIT_CODE_CHARS}]{{2}}\d{{6}}[{CREDIT_CODE_CHARS}]{{10}}")

MOBILE_PATTERN = re.compile(r"1[3-9]\d{9}")
LANDLINE_PATTERN = re.compile(r"0\d{2,3}-?\d{7,8}(-\d{1,6})?")


def _compact(value: str) -> str:
    """NFKC (full-width digits and letters become ASCII), no whitespace, upper case."""
    return "".join(unicodedata.normalize("NFKC", value).split()).upper()


def id_number_check_char(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11]


def credit_code_check_char(first17: str) -> str:
    total = sum(
        CREDIT_CODE_CHARS.index(char) * weight
        for char, weight in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def clean_id_number(value: str, *, field: str = "id_number") -> str:
    """A resident identity card number (GB 11643): 18 characters, a real birth date, and the
    check character."""
    number = _compact(value)
    if not ID_PATTERN.fullmatch(number):
        raise ValidationFailed.for_field(
            field,
            "id_number_format",
            _("An ID number has 18 characters: 17 digits, then a digit or X."),
        )
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        born = None
    if born is None or born.year < 1900:
        raise ValidationFailed.for_field(
            field,
            "id_number_birth_date",
            _("Characters 7 to 14 of an ID number must be a birth date (YYYYMMDD)."),
        )
    if id_number_check_char(number[:17]) != number[17]:
        raise ValidationFailed.for_field(
            field,
            "id_number_checksum",
            _("The ID number's check character does not match: check for a typing error."),
        )
    return number


def clean_credit_code(value: str, *, field: str = "credit_code") -> str:
    code = _compact(value)
    if not CREDIT_CODE_PATTERN.fullmatch(code):
        raise ValidationFailed.for_field(
            field,
            "credit_code_format",
            _(
                "A unified social credit code has 18 characters: digits and capital letters"
                " except I, O, S, V and Z."
            ),
        )
    if credit_code_check_char(code[:17]) != code[17]:
        raise ValidationFailed.for_field(
            field,
            "credit_code_checksum",
            _(
                "The unified social credit code's check character does not match:"
                " check for a typing error."
            ),
        )
    return code


def clean_phone(value: str, *, field: str = "phone") -> str:
    """A mainland mobile number (11 digits starting with 1; a +86 prefix is dropped) or a
    landline with its area code (e.g. 020-12345678, optionally -extension)."""
    number = _compact(value).replace("(", "").replace(")", "")
    if number.startswith("+86"):
        number = number[3:].lstrip("-")
    elif number.startswith("0086"):
        number = number[4:].lstrip("-")
    digits = number.replace("-", "")
    if digits.startswith("1"):
        if MOBILE_PATTERN.fullmatch(digits):
            return digits
        raise ValidationFailed.for_field(
            field,
            "mobile_format",
            _("A mobile number has 11 digits and starts with 13 to 19, e.g. 13812345678."),
        )
    if LANDLINE_PATTERN.fullmatch(number):
        return number
    raise ValidationFailed.for_field(
        field,
        "phone_format",
        _(
            "Enter a mainland mobile number (11 digits starting with 1) or a landline number"
            " with its area code, e.g. 020-12345678."
        ),
    )


def clean_email(value: str, *, field: str = "email") -> str:
    """An email address; the domain is stored in lower case, the local part as given."""
    address = "".join(unicodedata.normalize("NFKC", value).split())
    try:
        validate_email(address)
    except DjangoValidationError:
        raise ValidationFailed.for_field(
            field, "email_format", _("Enter a valid email address, e.g. name@example.com.")
        ) from None
    local, _at, domain = address.rpartition("@")
    return f"{local}@{domain.lower()}"


class Problems:
    """Collects field errors so that one answer names every bad field."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []
        self._first: ValidationFailed | None = None

    def clean(self, cleaner: Callable[..., str], value: str, *, field: str) -> str:
        if not value.strip():
            return ""
        try:
            return cleaner(value, field=field)
        except ValidationFailed as exc:
            self._record(exc)
            return ""

    def add(self, field: str, rule: str, message: str | Promise, **params: Any) -> None:
        self._record(ValidationFailed.for_field(field, rule, message, **params))

    def _record(self, exc: ValidationFailed) -> None:
        self._first = self._first or exc
        self.errors.extend(exc.fields)

    def raise_if_any(self) -> None:
        if len(self.errors) == 1 and self._first is not None:
            raise self._first
        if self.errors:
            raise ValidationFailed(fields=self.errors)
