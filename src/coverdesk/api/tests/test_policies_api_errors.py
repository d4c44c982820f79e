"""How validation errors are named: pydantic's error types become stable, friendly rules with a
translated message (bounds, list sizes, decimals, types), and errors a service raises under its
own parameter names are renamed to the fields the caller sent."""

from decimal import Decimal

import pytest
from pydantic import BaseModel, Field, ValidationError

from coverdesk.api.errors import validation_fields
from coverdesk.api.policies.common import body_fields
from coverdesk.core.exceptions import ValidationFailed


class Sample(BaseModel):
    share: Decimal = Field(Decimal("0.5"), gt=0, lt=1)
    seats: int = Field(1, ge=1, le=20)
    fee: Decimal = Field(Decimal("0"), max_digits=6, decimal_places=2)
    codes: list[str] = Field(["a"], min_length=1, max_length=3)
    step: int = Field(5, multiple_of=5)
    flag: bool = True
    names: list[str] = ["x"]


def _fields(**values):
    with pytest.raises(ValidationError) as caught:
        Sample(**values)
    # As Ninja hands them over: the location starts with where the value came from.
    errors = [{**e, "loc": ("body", "data", *e["loc"])} for e in caught.value.errors()]
    return [(f["field"], f["rule"], f["message"]) for f in validation_fields(errors)]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"share": "1"}, ("share", "less_than", "Must be less than 1.")),
        ({"share": "0"}, ("share", "greater_than", "Must be more than 0.")),
        ({"seats": 0}, ("seats", "min_value", "Must be at least 1.")),
        ({"seats": 21}, ("seats", "max_value", "Must be at most 20.")),
        ({"fee": "1.234"}, ("fee", "decimal_places", "At most 2 digits after the decimal point.")),
        ({"fee": "12345.6"}, ("fee", "max_digits", "At most 4 digits before the decimal point.")),
        ({"codes": []}, ("codes", "min_items", "Give at least 1 item.")),
        ({"codes": ["a", "b", "c", "d"]}, ("codes", "max_items", "Give at most 3 items.")),
        ({"step": 7}, ("step", "multiple_of", "Must be a multiple of 5.")),
        ({"seats": 1.5}, ("seats", "integer", "Enter a whole number.")),
        ({"seats": "many"}, ("seats", "integer", "Enter a whole number.")),
        ({"fee": "lots"}, ("fee", "decimal", "Enter a number.")),
        ({"flag": "perhaps"}, ("flag", "boolean", "Enter true or false.")),
        ({"names": "x"}, ("names", "list", "Send a list.")),
    ],
)
def test_pydantic_errors_get_a_friendly_rule_and_message(values, expected):
    assert _fields(**values) == [expected]


def test_an_unknown_pydantic_error_keeps_its_type_and_text():
    errors = [{"type": "url_parsing", "loc": ("body", "data", "site"), "msg": "Bad URL"}]

    assert validation_fields(errors) == [
        {"field": "site", "rule": "url_parsing", "message": "Bad URL"}
    ]


def test_a_services_field_name_becomes_the_callers():
    with (
        pytest.raises(ValidationFailed) as caught,
        body_fields({"product": "product_code", "customer": "customer_id"}),
    ):
        raise ValidationFailed.for_field("product", "unknown_product", "No such product.")

    assert [f.as_dict() for f in caught.value.fields] == [
        {"field": "product_code", "rule": "unknown_product", "message": "No such product."}
    ]
    assert caught.value.message == "product_code: No such product."


def test_fields_not_renamed_stay_as_they_were():
    with pytest.raises(ValidationFailed) as caught, body_fields({"product": "product_code"}):
        raise ValidationFailed.for_field("period_end", "after_start", "Ends before it starts.")

    assert caught.value.fields[0].field == "period_end"
    assert caught.value.message == "period_end: Ends before it starts."
