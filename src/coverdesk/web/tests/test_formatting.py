"""Amounts read the same in both languages: grouped thousands, two decimals."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from coverdesk.web.formatting import money


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("70000000"), "70,000,000.00"),
        ("5523.29", "5,523.29"),
        (Decimal("-2700.5"), "-2,700.50"),
        (0, "0.00"),
        (None, ""),
        ("", ""),
        ("n/a", "n/a"),
    ],
)
def test_money(value, shown):
    assert money(value) == shown


def test_the_filter_keeps_the_separator_in_chinese():
    # Django's zh_Hans number format has no thousands separator; ours keeps it
    template = Template("{% load coverdesk_web %}{{ amount|money }}")
    with translation.override("zh-hans"):
        assert template.render(Context({"amount": Decimal("70000000")})) == "70,000,000.00"
