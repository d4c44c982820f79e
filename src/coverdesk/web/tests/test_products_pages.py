"""The product catalogue in the browser, read-only: who reaches it, the shipped aviation product
with its versions, and a version in full (coverages with limits, deductibles, rating,
exclusions and claim materials; clauses with both texts and their parameters; cancellation
terms), at a fixed number of queries."""

from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coverdesk.catalog.services import (
    coverage_add,
    coverage_limit_add,
    product_version_draft,
    rating_rule_set,
)
from coverdesk.catalog.tests.factories import make_product_manager, make_published
from coverdesk.web.tests.helpers import english
from coverdesk.web.tests.test_access import ROLES

AVIATION = "aviation-programme"
# one column per role, in the order of ROLES
PAGES = {
    "web:product_list":           (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
    "web:product_detail":         (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
    "web:product_version_detail": (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
}  # fmt: skip
ARGS = {
    "web:product_list": [],
    "web:product_detail": [AVIATION],
    "web:product_version_detail": [AVIATION, 1],
}


def _cells(table):
    return [(name, role, table[name][i]) for name in table for i, role in enumerate(ROLES)]


def _version_url(number=1, code=AVIATION):
    return reverse("web:product_version_detail", args=[code, number])


@pytest.mark.django_db
@pytest.mark.parametrize(("page", "role", "expected"), _cells(PAGES))
def test_role_gets_exactly_the_expected_status_for_each_product_page(
    signed_in, page, role, expected
):
    # given
    client, _user = signed_in(role)
    # when
    response = client.get(reverse(page, args=ARGS[page]))
    # then
    assert response.status_code == expected


@pytest.mark.django_db
@pytest.mark.parametrize("page", list(PAGES))
def test_anonymous_visitor_is_sent_to_login_for_every_product_page(page):
    # given
    url = reverse(page, args=ARGS[page])
    # when
    response = Client().get(url)
    # then
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('web:login')}?next={url}"


@pytest.mark.django_db
def test_a_customer_is_refused_even_a_published_version(signed_in):
    # given: customers read their own policies' terms elsewhere; the catalogue is staff work
    client, _user = signed_in("customer")
    # when
    response = client.get(_version_url())
    # then
    assert response.status_code == 403
    assert "推定全损" not in response.content.decode()


@pytest.mark.django_db
def test_the_list_shows_each_product_with_its_versions(signed_in):
    # given
    manager = make_product_manager()
    make_published(manager, code="test-product")
    product_version_draft(
        acting_user=manager, product_code=AVIATION, effective_from=date(2027, 1, 1)
    )
    client, _user = signed_in("broker")
    english(client)
    # when
    response = client.get(reverse("web:product_list"))
    # then
    products = list(response.context["products"])
    assert [p.code for p in products] == [AVIATION, "test-product"]
    assert [(v.number, v.status) for v in products[0].versions.all()] == [
        (1, "published"),
        (2, "draft"),
    ]
    html = response.content.decode()
    assert "航空保险综合方案" in html and "Aviation insurance programme" in html
    assert _version_url(2) in html


@pytest.mark.django_db
def test_the_list_costs_the_same_queries_for_one_or_four_products(signed_in):
    # given
    client, _user = signed_in("agent")
    url = reverse("web:product_list")
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    manager = make_product_manager()
    for code in ("p-one", "p-two", "p-three"):
        make_published(manager, code=code)
    # when
    with CaptureQueriesContext(connection) as four:
        client.get(url)
    # then
    assert len(four) == len(one)


@pytest.mark.django_db
def test_the_product_page_marks_the_version_in_force_today(signed_in):
    # given
    manager = make_product_manager()
    product_version_draft(
        acting_user=manager, product_code=AVIATION, effective_from=date(2027, 1, 1)
    )
    client, _user = signed_in("clerk")
    # when
    response = client.get(reverse("web:product_detail", args=[AVIATION]))
    # then
    versions = list(response.context["versions"])
    assert [(v.number, v.status) for v in versions] == [(1, "published"), (2, "draft")]
    assert response.context["current_id"] == versions[0].pk
    assert response.content.decode().count('data-test="in-force"') == 1


@pytest.mark.django_db
def test_a_version_shows_the_three_coverages_with_sections_and_their_terms(signed_in):
    # given
    client, _user = signed_in("adjuster")
    english(client)
    # when
    response = client.get(_version_url())
    # then
    coverages = response.context["coverages"]
    assert [c.coverage.code for c in coverages] == [
        "aviation_comprehensive",
        "group_accident",
        "pilot_loss_of_licence",
    ]
    assert [s.coverage.code for s in coverages[0].sections] == [
        "hull_all_risks",
        "third_party_liability",
        "passenger_liability",
    ]
    hull, third_party, _passengers = coverages[0].sections
    assert [(r.label, r.value, r.scope) for r in hull.limits] == [
        ("Per occurrence", "100 % of the agreed value", "All losses"),
        ("Per occurrence", "¥5,000,000.00", "Spare parts"),
    ]
    assert [(r.label, r.value) for r in third_party.limits] == [
        ("Aggregate for the period", "¥40,000,000.00"),
        ("Per occurrence", "¥20,000,000.00"),
    ]
    assert ("Percentage of the loss, with a minimum", "5 % of the loss, at least ¥100,000.00") in [
        (r.label, r.value) for r in hull.deductibles
    ]
    assert [(r.label, r.value) for r in hull.rating] == [
        ("Method", "Rate × agreed value"),
        ("Rate", "1.2 %"),
        ("Minimum premium", "¥300,000.00"),
    ]
    group = coverages[1]
    assert ("Premium per head: Ground crew", "¥1,200.00") in [
        (r.label, r.value) for r in group.rating
    ]
    assert ("Per person", "¥3,000,000.00", "Pilot") in [
        (r.label, r.value, r.scope) for r in group.limits
    ]
    html = response.content.decode()
    assert "Wear and tear, corrosion" in html and "自然磨损" in html  # exclusions, zh and en
    assert 'data-test="material" data-code="repair_quote"' in html  # claim checklists


@pytest.mark.django_db
def test_a_version_shows_every_clause_with_both_texts_and_its_parameters(signed_in):
    # given
    client, _user = signed_in("surveyor")
    english(client)
    # when
    response = client.get(_version_url())
    # then
    clauses = {row.clause.code: row for row in response.context["clauses"]}
    assert set(clauses) >= {
        "constructive_total_loss",
        "police_dog",
        "added_equipment",
        "authorised_pilot",
        "flight_area",
        "repair_confidentiality",
    }
    params = {
        code: {(p.name, p.value, p.raw) for p in row.parameters} for code, row in clauses.items()
    }
    assert params["constructive_total_loss"] == {("threshold", "75 %", "0.75")}
    assert params["police_dog"] == {
        ("amount_per_dog", "¥100,000.00", "100000.00"),
        ("max_dogs_per_occurrence", "4", "4"),
    }
    assert ("high_seas", "Yes", "true") in params["flight_area"]
    html = response.content.decode()
    assert "修复费用达到或超过协议价值的75%" in html
    assert "When the cost of repair reaches 75% of the agreed value" in html
    assert 'data-param="threshold" data-raw="0.75"' in html
    # cancellation terms
    assert response.context["short_rate"][0] == {"months": "1", "earned": "10 %"}
    assert "Pro rata by day" in html


@pytest.mark.django_db
def test_a_version_costs_the_same_queries_however_many_coverages_it_has(signed_in):
    # given: version 2 of the aviation product, a copy of version 1 with three more coverages
    manager = make_product_manager()
    draft = product_version_draft(
        acting_user=manager, product_code=AVIATION, effective_from=date(2027, 1, 1)
    )
    client, _user = signed_in("agent")
    with CaptureQueriesContext(connection) as copy:
        client.get(_version_url(2))
    for n in range(3):
        extra = coverage_add(
            acting_user=manager,
            version_id=draft.pk,
            code=f"extra_{n}",
            name=f"附加险{n}",
            name_en=f"Extra {n}",
            kind="liability",
            insured_object="aircraft",
        )
        coverage_limit_add(
            acting_user=manager, coverage_id=extra.pk, kind="per_occurrence", amount="1000000"
        )
        rating_rule_set(acting_user=manager, coverage_id=extra.pk, method="flat", amount="5000")
    # when
    with CaptureQueriesContext(connection) as bigger:
        response = client.get(_version_url(2))
    # then
    assert len(response.context["coverages"]) == 6
    assert len(bigger) == len(copy)
    assert len(bigger) <= 35


@pytest.mark.django_db
def test_staff_see_a_draft_version(signed_in):
    # given
    manager = make_product_manager()
    product_version_draft(
        acting_user=manager, product_code=AVIATION, effective_from=date(2027, 1, 1)
    )
    client, _user = signed_in("broker")
    # when
    response = client.get(_version_url(2))
    # then
    assert response.status_code == 200
    assert response.context["version"].status == "draft"
    assert not response.context["in_force"]
    assert len(response.context["coverages"]) == 3  # copied from version 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("page", "args"),
    [
        ("web:product_detail", ["no-such-product"]),
        ("web:product_version_detail", ["no-such-product", 1]),
        ("web:product_version_detail", [AVIATION, 9]),
    ],
)
def test_an_unknown_product_or_version_is_404(signed_in, page, args):
    # given
    client, _user = signed_in("clerk")
    # when
    response = client.get(reverse(page, args=args))
    # then
    assert response.status_code == 404
