"""The demo fleet and crew of domain.md §5, loaded through the services."""

from decimal import Decimal

import pytest

from coverdesk.parties.validation import clean_id_number
from coverdesk.policies.demo import DEMO_CREW, demo_id_number, demo_policies_objects_load
from coverdesk.policies.models.insured import (
    Aircraft,
    AircraftChange,
    InsuredPerson,
    InsuredPersonChange,
)
from coverdesk.policies.selectors.insured import insured_heads_by_category
from coverdesk.policies.tests.insured_factories import NOW, make_insured_clerk, make_police

pytestmark = pytest.mark.django_db


def test_the_demo_loads_the_bid_s_fleet_and_a_crew_of_twelve():
    clerk, police = make_insured_clerk(), make_police()

    created = demo_policies_objects_load(customer=police, acting_user=clerk, now=NOW)

    assert len(created) == 15
    fleet = Aircraft.objects.filter(customer=police).order_by("registration_mark")
    assert [
        (
            a.model,
            a.registration_mark,
            a.purchase_year,
            a.crew_seats,
            a.passenger_seats,
            a.agreed_value,
            a.ownership,
        )
        for a in fleet
    ] == [
        ("H145", "4401120088", 2016, 2, 6, Decimal("70000000.00"), "owned"),
        ("H145", "4401220255", 2019, 2, 6, Decimal("70000000.00"), "owned"),
        ("H175", "4401350701", 2024, 2, 16, Decimal("70000000.00"), "owned"),
    ]
    assert insured_heads_by_category(customer_id=police.pk) == {
        "aircrew": 4,
        "ground_crew": 4,
        "pilot": 4,
    }
    assert all(
        name.endswith("（演示）") for name in InsuredPerson.objects.values_list("name", flat=True)
    )


def test_loading_the_demo_twice_creates_nothing_the_second_time():
    clerk, police = make_insured_clerk(), make_police()
    demo_policies_objects_load(customer=police, acting_user=clerk, now=NOW)
    before = (
        Aircraft.objects.count(),
        InsuredPerson.objects.count(),
        AircraftChange.objects.count(),
        InsuredPersonChange.objects.count(),
    )

    assert demo_policies_objects_load(customer=police, acting_user=clerk, now=NOW) == []
    assert (
        Aircraft.objects.count(),
        InsuredPerson.objects.count(),
        AircraftChange.objects.count(),
        InsuredPersonChange.objects.count(),
    ) == before


def test_demo_id_numbers_pass_the_national_check_and_are_fictitious():
    numbers = [demo_id_number(born, sequence) for _n, born, sequence, *_ in DEMO_CREW]

    assert [clean_id_number(n) for n in numbers] == numbers
    assert len(set(numbers)) == 12
    assert {n[:6] for n in numbers} == {"440199"}
