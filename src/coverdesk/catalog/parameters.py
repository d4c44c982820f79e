"""Machine-readable clause parameters: one schema per clause kind. Pure: no database.

`clause_parameters_clean(kind, raw)` checks a parameter dict against its kind's schema and
returns it in stored form (money and shares as Decimal strings, so JSON keeps them exact).
Later calculations read them back with `decimal_parameter` & co.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext_lazy as _

from coverdesk.catalog.choices import ClauseKind
from coverdesk.core.exceptions import FieldError, ValidationFailed

MONEY_MAX = Decimal("1000000000000")  # 10^12: far above any limit, below the column's size


@dataclass(frozen=True)
class Param:
    kind: str  # share | money | integer | boolean | text | choices
    required: bool = True
    minimum: int = 0
    maximum: int = 0
    choices: tuple[str, ...] = ()


SHARE = Param("share")
MONEY = Param("money")
BOOLEAN = Param("boolean")
TEXT = Param("text")

PASSENGER_GROUPS = ("police_officers", "task_personnel", "rescued_persons", "escorted_persons")
DISCLOSURE_PARTIES = ("insurer", "reinsurer", "loss_adjuster", "regulator")

SCHEMAS: dict[str, dict[str, Param]] = {
    ClauseKind.GENERAL: {},
    # Repair cost at or above this share of the agreed value makes a constructive total loss.
    ClauseKind.CONSTRUCTIVE_TOTAL_LOSS: {"threshold": SHARE},
    ClauseKind.POLICE_DOG: {
        "amount_per_dog": MONEY,
        "max_dogs_per_occurrence": Param("integer", minimum=1, maximum=100),
    },
    ClauseKind.ADDED_EQUIPMENT: {
        "limit_per_aircraft": MONEY,
        "notice_days": Param("integer", minimum=0, maximum=365),
    },
    ClauseKind.AUTHORISED_PILOT: {
        "licence_required": BOOLEAN,
        "authorisation_required": BOOLEAN,
        "type_rating_required": Param("boolean", required=False),
    },
    ClauseKind.FLIGHT_AREA: {"territory": TEXT, "high_seas": BOOLEAN},
    ClauseKind.REPAIR_CONFIDENTIALITY: {
        "confidential": BOOLEAN,
        "disclosure_to": Param("choices", required=False, choices=DISCLOSURE_PARTIES),
    },
    ClauseKind.PASSENGER_DEFINITION: {
        "includes": Param("choices", minimum=1, choices=PASSENGER_GROUPS)
    },
    ClauseKind.POLICE_DUTY: {"covers_violent_assault": BOOLEAN, "covers_training": BOOLEAN},
    ClauseKind.NON_SOCIAL_MEDICAL: {
        "reimbursement_share": SHARE,
        "per_person_limit": Param("money", required=False),
    },
    ClauseKind.LOSS_OF_LICENCE: {
        "qualifying_period_days": Param("integer", minimum=1, maximum=1095),
        "covers_illness": BOOLEAN,
    },
}


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _clean_value(name: str, spec: Param, value: Any, errors: list[FieldError]) -> Any:
    field = f"parameters.{name}"

    def bad(rule: str, message: Any) -> None:
        errors.append(FieldError(field, rule, message))

    if spec.kind == "share":
        number = _decimal(value)
        if number is None or not (0 < number <= 1):
            bad("share", _("A share above 0 and at most 1, e.g. 0.75."))
            return None
        return str(number)
    if spec.kind == "money":
        number = _decimal(value)
        if number is None or number <= 0 or number >= MONEY_MAX or number != round(number, 2):
            bad("money", _("An amount above zero with at most two decimals."))
            return None
        return str(number.quantize(Decimal("0.01")))
    if spec.kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            bad("integer", _("A whole number."))
            return None
        if not (spec.minimum <= value <= spec.maximum):
            bad(
                "range",
                _("A whole number from {minimum} to {maximum}.").format(
                    minimum=spec.minimum, maximum=spec.maximum
                ),
            )
            return None
        return value
    if spec.kind == "boolean":
        if not isinstance(value, bool):
            bad("boolean", _("Yes or no (true or false)."))
            return None
        return value
    if spec.kind == "text":
        if not isinstance(value, str) or not value.strip() or len(value) > 200:
            bad("text", _("A text of 1 to 200 characters."))
            return None
        return value.strip()
    # choices: a list of distinct known values
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        bad("choices", _("A list of values."))
        return None
    unknown = [v for v in value if v not in spec.choices]
    if unknown:
        bad(
            "choice",
            _("Unknown values {unknown}; allowed: {allowed}.").format(
                unknown=", ".join(unknown), allowed=", ".join(spec.choices)
            ),
        )
        return None
    distinct = list(dict.fromkeys(value))
    if len(distinct) < spec.minimum:
        bad("required", _("Choose at least one value."))
        return None
    return distinct


def clause_parameters_clean(kind: str, raw: Mapping[str, Any] | None) -> dict[str, Any]:
    """The parameters of a clause of `kind` in stored form; ValidationFailed names every bad
    parameter (field ``parameters.<name>``) and writes nothing."""
    if kind not in SCHEMAS:
        raise ValidationFailed.for_field(
            "kind", "choice", _("Unknown clause kind {kind}."), kind=kind
        )
    schema = SCHEMAS[kind]
    given = dict(raw or {})
    errors: list[FieldError] = []
    cleaned: dict[str, Any] = {}
    for name in sorted(set(given) - set(schema)):
        errors.append(
            FieldError(
                f"parameters.{name}",
                "unknown_parameter",
                _("A {kind} clause has no parameter {name}.").format(kind=kind, name=name),
            )
        )
    for name, spec in schema.items():
        if name not in given or given[name] is None:
            if spec.required:
                errors.append(
                    FieldError(f"parameters.{name}", "required", _("This parameter is required."))
                )
            continue
        value = _clean_value(name, spec, given[name], errors)
        if value is not None:
            cleaned[name] = value
    if len(errors) == 1:
        error = errors[0]
        raise ValidationFailed.for_field(error.field, error.rule, error.message)
    if errors:
        raise ValidationFailed(fields=errors)
    return cleaned


def decimal_parameter(parameters: Mapping[str, Any], name: str) -> Decimal | None:
    """A share or money parameter as a Decimal (None when absent)."""
    value = parameters.get(name)
    return None if value is None else Decimal(str(value))


# --- cancellation terms of a product version -----------------------------------------------

# The short-rate table common in PRC property insurance: share of the annual premium earned when
# the cover ends within the given number of months.
DEFAULT_SHORT_RATE_TABLE: tuple[dict[str, Any], ...] = (
    {"months": 1, "earned": "0.10"},
    {"months": 2, "earned": "0.20"},
    {"months": 3, "earned": "0.30"},
    {"months": 4, "earned": "0.40"},
    {"months": 5, "earned": "0.50"},
    {"months": 6, "earned": "0.60"},
    {"months": 7, "earned": "0.70"},
    {"months": 8, "earned": "0.80"},
    {"months": 9, "earned": "0.85"},
    {"months": 10, "earned": "0.90"},
    {"months": 11, "earned": "0.95"},
    {"months": 12, "earned": "1.00"},
)


def short_rate_table_clean(raw: Any, *, field: str = "short_rate_table") -> list[dict[str, Any]]:
    """Rows {"months": 1..12, "earned": share}, months increasing, earned not decreasing, the last
    row 12 months earning 1 (the whole premium)."""
    if not isinstance(raw, (list, tuple)) or not raw:
        raise ValidationFailed.for_field(
            field, "required", _("A short-rate table needs at least one row.")
        )
    rows: list[dict[str, Any]] = []
    last_months, last_earned = 0, Decimal(0)
    for position, row in enumerate(raw, start=1):
        months = row.get("months") if isinstance(row, Mapping) else None
        earned = _decimal(row.get("earned")) if isinstance(row, Mapping) else None
        if (
            isinstance(months, bool)
            or not isinstance(months, int)
            or not (last_months < months <= 12)
            or earned is None
            or not (last_earned <= earned <= 1)
            or earned <= 0
        ):
            raise ValidationFailed.for_field(
                field,
                "short_rate_row",
                _(
                    "Row {row}: months must increase up to 12 and the earned share must not"
                    " decrease, above 0 and at most 1."
                ),
                row=position,
            )
        last_months, last_earned = months, earned
        rows.append({"months": months, "earned": str(earned)})
    if last_months != 12 or last_earned != 1:
        raise ValidationFailed.for_field(
            field,
            "short_rate_last_row",
            _("The last row must be 12 months with the whole premium earned (1)."),
        )
    return rows
