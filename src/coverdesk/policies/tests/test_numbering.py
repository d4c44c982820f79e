"""Policy numbers: prefix, year and padding from a configurable sequence; gap-free, because the
number is taken in the issuing transaction under a row lock."""

from datetime import date

import pytest
from django.db import transaction

from coverdesk.audit.models import AuditEntry
from coverdesk.core.exceptions import ValidationFailed
from coverdesk.policies.exceptions import PolicyPermissionDenied
from coverdesk.policies.models import PolicyNumberCounter, PolicyNumberSequence
from coverdesk.policies.services.numbering import (
    policy_number_sequence_set,
    policy_number_take,
)
from coverdesk.policies.tests.policy_factories import (
    GROUP,
    at,
    issue_policy,
    make_customer,
    make_person,
    make_team,
)

pytestmark = pytest.mark.django_db


def test_the_default_sequence_numbers_by_year_from_one():
    assert policy_number_take(product_code="aviation-programme", on=date(2025, 12, 15)) == (
        "CD2025000001"
    )
    assert policy_number_take(product_code="aviation-programme", on=date(2025, 12, 31)) == (
        "CD2025000002"
    )
    assert policy_number_take(product_code="other", on=date(2026, 1, 1)) == "CD2026000001"
    assert list(
        PolicyNumberCounter.objects.order_by("year").values_list("year", "last_number")
    ) == [(2025, 2), (2026, 1)]


def test_a_number_taken_by_a_rolled_back_issue_is_given_again():
    class Failed(Exception):
        pass

    with pytest.raises(Failed), transaction.atomic():
        assert policy_number_take(product_code="x", on=date(2025, 12, 15)) == "CD2025000001"
        raise Failed

    assert policy_number_take(product_code="x", on=date(2025, 12, 15)) == "CD2025000001"


def test_a_product_can_have_its_own_sequence():
    team = make_team()
    policy_number_sequence_set(
        acting_user=team.admin,
        code="aviation-programme",
        prefix="HK-",
        include_year=False,
        padding=4,
    )
    customer = make_customer()

    policy = issue_policy(
        team,
        customer,
        coverage_codes=[GROUP],
        persons=[make_person(customer, "机长", "pilot", 1)],
        start=at(2025, 12, 15, 9),
    )

    assert policy.number == "HK-0001"
    assert policy_number_take(product_code="other", on=date(2025, 12, 15)) == "CD2025000001"
    entry = AuditEntry.objects.get(action="policy_number_sequence.set")
    assert entry.after == {"prefix": "HK-", "include_year": False, "padding": 4}


def test_changing_a_sequence_needs_the_administrator_and_sane_values():
    team = make_team()

    with pytest.raises(PolicyPermissionDenied):
        policy_number_sequence_set(acting_user=team.broker, code="default", prefix="XX")
    with pytest.raises(ValidationFailed) as raised:
        policy_number_sequence_set(acting_user=team.admin, code="default", prefix="XX", padding=0)
    assert [(f.field, f.rule) for f in raised.value.fields] == [("padding", "range")]
    with pytest.raises(ValidationFailed) as raised:
        policy_number_sequence_set(acting_user=team.admin, code="default", prefix=" ")
    assert [(f.field, f.rule) for f in raised.value.fields] == [("prefix", "required")]

    assert PolicyNumberSequence.objects.get(code="default").prefix == "CD"
