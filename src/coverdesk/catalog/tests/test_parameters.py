"""Clause parameter schemas and the short-rate table check (pure)."""

from decimal import Decimal

import pytest

from coverdesk.catalog.choices import ClauseKind
from coverdesk.catalog.parameters import (
    DEFAULT_SHORT_RATE_TABLE,
    SCHEMAS,
    clause_parameters_clean,
    decimal_parameter,
    short_rate_table_clean,
)
from coverdesk.core.exceptions import ValidationFailed


def test_every_clause_kind_has_a_schema():
    assert set(SCHEMAS) == set(ClauseKind.values)


@pytest.mark.parametrize(
    ("kind", "raw", "cleaned"),
    [
        ("general", {}, {}),
        ("general", None, {}),
        ("constructive_total_loss", {"threshold": "0.75"}, {"threshold": "0.75"}),
        ("constructive_total_loss", {"threshold": Decimal("1")}, {"threshold": "1"}),
        (
            "police_dog",
            {"amount_per_dog": 100000, "max_dogs_per_occurrence": 4},
            {"amount_per_dog": "100000.00", "max_dogs_per_occurrence": 4},
        ),
        (
            "added_equipment",
            {"limit_per_aircraft": "5000000", "notice_days": 0},
            {"limit_per_aircraft": "5000000.00", "notice_days": 0},
        ),
        (
            "authorised_pilot",
            {"licence_required": True, "authorisation_required": False},
            {"licence_required": True, "authorisation_required": False},
        ),
        (
            "flight_area",
            {"territory": " 中华人民共和国境内 ", "high_seas": True},
            {"territory": "中华人民共和国境内", "high_seas": True},
        ),
        (
            "repair_confidentiality",
            {"confidential": True, "disclosure_to": ["insurer", "insurer", "reinsurer"]},
            {"confidential": True, "disclosure_to": ["insurer", "reinsurer"]},
        ),
        (
            "passenger_definition",
            {"includes": ["police_officers", "task_personnel"]},
            {"includes": ["police_officers", "task_personnel"]},
        ),
        (
            "police_duty",
            {"covers_violent_assault": True, "covers_training": False},
            {"covers_violent_assault": True, "covers_training": False},
        ),
        (
            "non_social_medical",
            {"reimbursement_share": "0.8"},
            {"reimbursement_share": "0.8"},
        ),
        (
            "loss_of_licence",
            {"qualifying_period_days": 180, "covers_illness": True},
            {"qualifying_period_days": 180, "covers_illness": True},
        ),
    ],
)
def test_valid_parameters_come_back_in_stored_form(kind, raw, cleaned):
    assert clause_parameters_clean(kind, raw) == cleaned


@pytest.mark.parametrize(
    ("kind", "raw", "field", "rule"),
    [
        ("constructive_total_loss", {}, "parameters.threshold", "required"),
        ("constructive_total_loss", {"threshold": "1.2"}, "parameters.threshold", "share"),
        ("constructive_total_loss", {"threshold": "0"}, "parameters.threshold", "share"),
        ("constructive_total_loss", {"threshold": "abc"}, "parameters.threshold", "share"),
        ("constructive_total_loss", {"threshold": True}, "parameters.threshold", "share"),
        ("constructive_total_loss", {"threshold": "NaN"}, "parameters.threshold", "share"),
        (
            "police_dog",
            {"amount_per_dog": "-5", "max_dogs_per_occurrence": 1},
            "parameters.amount_per_dog",
            "money",
        ),
        (
            "police_dog",
            {"amount_per_dog": "5.001", "max_dogs_per_occurrence": 1},
            "parameters.amount_per_dog",
            "money",
        ),
        (
            "police_dog",
            {"amount_per_dog": "5", "max_dogs_per_occurrence": 0},
            "parameters.max_dogs_per_occurrence",
            "range",
        ),
        (
            "added_equipment",
            {"limit_per_aircraft": "1", "notice_days": "30"},
            "parameters.notice_days",
            "integer",
        ),
        (
            "authorised_pilot",
            {"licence_required": "yes", "authorisation_required": True},
            "parameters.licence_required",
            "boolean",
        ),
        ("flight_area", {"territory": "", "high_seas": True}, "parameters.territory", "text"),
        (
            "passenger_definition",
            {"includes": ["pilots"]},
            "parameters.includes",
            "choice",
        ),
        ("passenger_definition", {"includes": []}, "parameters.includes", "required"),
        ("passenger_definition", {"includes": "police_officers"}, "parameters.includes", "choices"),
        ("general", {"threshold": "0.5"}, "parameters.threshold", "unknown_parameter"),
        ("bogus", {}, "kind", "choice"),
    ],
)
def test_bad_parameters_name_the_parameter_and_rule(kind, raw, field, rule):
    with pytest.raises(ValidationFailed) as caught:
        clause_parameters_clean(kind, raw)

    assert [(f.field, f.rule) for f in caught.value.fields] == [(field, rule)]


def test_every_bad_parameter_is_named_at_once():
    with pytest.raises(ValidationFailed) as caught:
        clause_parameters_clean("police_dog", {"max_dogs_per_occurrence": 0, "colour": "black"})

    assert sorted((f.field, f.rule) for f in caught.value.fields) == [
        ("parameters.amount_per_dog", "required"),
        ("parameters.colour", "unknown_parameter"),
        ("parameters.max_dogs_per_occurrence", "range"),
    ]


def test_decimal_parameter_reads_a_stored_value():
    assert decimal_parameter({"threshold": "0.75"}, "threshold") == Decimal("0.75")
    assert decimal_parameter({}, "threshold") is None


def test_the_default_short_rate_table_is_valid_and_kept_as_is():
    assert short_rate_table_clean(list(DEFAULT_SHORT_RATE_TABLE)) == list(DEFAULT_SHORT_RATE_TABLE)


@pytest.mark.parametrize(
    ("table", "rule"),
    [
        ([], "required"),
        ("1:0.1", "required"),
        ([{"months": 12, "earned": "0.9"}], "short_rate_last_row"),
        ([{"months": 6, "earned": "1"}], "short_rate_last_row"),
        ([{"months": 6, "earned": "0.6"}, {"months": 6, "earned": "1"}], "short_rate_row"),
        ([{"months": 6, "earned": "0.6"}, {"months": 12, "earned": "0.5"}], "short_rate_row"),
        ([{"months": 13, "earned": "1"}], "short_rate_row"),
        ([{"months": 12, "earned": "1.1"}], "short_rate_row"),
        ([{"months": "12", "earned": "1"}], "short_rate_row"),
        ([{"months": 1, "earned": "0"}, {"months": 12, "earned": "1"}], "short_rate_row"),
    ],
)
def test_bad_short_rate_tables_are_refused(table, rule):
    with pytest.raises(ValidationFailed) as caught:
        short_rate_table_clean(table)

    assert [(f.field, f.rule) for f in caught.value.fields] == [("short_rate_table", rule)]
