"""The aviation product of domain.md §5 as a freshly migrated database has it, and the premiums
of the demo fleet and crew worked out from it."""

import importlib
from datetime import date
from decimal import Decimal as D

import pytest
from django.apps import apps as django_apps
from django.db.models import F

from coverdesk.catalog.calculations import RatingBasis, coverage_premium
from coverdesk.catalog.models import Clause, Coverage, MaterialItem, Product, ProductVersion
from coverdesk.catalog.parameters import clause_parameters_clean
from coverdesk.catalog.selectors import (
    coverage_get,
    coverage_lines,
    limit_terms,
    product_version_current,
    rating_terms,
    version_snapshot,
)

pytestmark = pytest.mark.django_db

seed_migration = importlib.import_module("coverdesk.catalog.migrations.0002_aviation_product")


@pytest.fixture
def version():
    return product_version_current(code="aviation-programme", on=date(2025, 12, 22))


def test_the_product_is_published_and_in_force_for_the_programme_period(version):
    assert (version.product.name, version.product.name_en) == (
        "航空保险综合方案",
        "Aviation insurance programme",
    )
    assert (version.number, version.status, version.effective_from) == (
        1,
        "published",
        date(2025, 1, 1),
    )
    assert version.published_at is not None
    assert (
        product_version_current(code="aviation-programme", on=date(2026, 12, 21)).pk == version.pk
    )


def test_three_coverages_and_the_three_sections_of_the_aviation_comprehensive(version):
    rows = Coverage.objects.filter(version=version).order_by(
        F("parent_id").asc(nulls_first=True), "position"
    )
    assert [(c.code, c.name, c.parent.code if c.parent else None) for c in rows] == [
        ("aviation_comprehensive", "航空器综合险", None),
        ("group_accident", "团体意外伤害保险", None),
        ("pilot_loss_of_licence", "飞行员执照丧失保险", None),
        ("hull_all_risks", "机身及零配件一切险", "aviation_comprehensive"),
        ("third_party_liability", "第三者法定责任险", "aviation_comprehensive"),
        ("passenger_liability", "乘客法定责任险", "aviation_comprehensive"),
    ]


def test_the_special_and_additional_clauses_with_valid_parameters(version):
    clauses = Clause.objects.filter(version=version).order_by("position")

    assert [(c.code, c.category, c.coverage.code if c.coverage else None) for c in clauses] == [
        ("passenger_definition", "additional", "passenger_liability"),
        ("added_equipment", "additional", "hull_all_risks"),
        ("repair_confidentiality", "additional", "hull_all_risks"),
        ("constructive_total_loss", "special", "hull_all_risks"),
        ("police_dog", "special", "aviation_comprehensive"),
        ("authorised_pilot", "special", "aviation_comprehensive"),
        ("flight_area", "special", None),
        ("police_duty", "special", "group_accident"),
        ("non_social_medical", "additional", "group_accident"),
        ("loss_of_licence_terms", "additional", "pilot_loss_of_licence"),
    ]
    for clause in clauses:
        # what the migration stored is exactly what the service would have stored
        assert clause_parameters_clean(clause.kind, clause.parameters) == clause.parameters
        assert clause.text and clause.text_en and clause.title and clause.title_en
    by_kind = {c.kind: c.parameters for c in clauses}
    assert by_kind["constructive_total_loss"] == {"threshold": "0.75"}
    assert by_kind["flight_area"]["high_seas"] is True
    assert by_kind["police_dog"] == {"amount_per_dog": "100000.00", "max_dogs_per_occurrence": 4}


def test_every_leaf_coverage_is_rated_and_every_checklist_has_a_green_channel_list(version):
    for coverage in Coverage.objects.filter(version=version):
        if not coverage.sections.exists():
            assert rating_terms(coverage=coverage) is not None, coverage.code
        for checklist in coverage.checklists.all():
            items = checklist.items.all()
            assert items.filter(green_channel=True).exists(), (coverage.code, checklist.loss_type)
            assert not items.filter(green_channel=True, required=False).exists()
    assert MaterialItem.objects.filter(checklist__coverage__version=version).count() == 72


FLEET = [("H145", 6), ("H145", 6), ("H175", 16)]


def test_premiums_of_the_demo_fleet_from_the_seeded_terms(version):
    package = coverage_get(version_id=version.pk, code="aviation_comprehensive")
    lines = {c.code: c for c in coverage_lines(coverage=package)}
    tpl_limit = limit_terms(coverage=lines["third_party_liability"]).per_occurrence

    premiums = []
    for _model, seats in FLEET:
        premiums.append(
            (
                coverage_premium(
                    rating_terms(coverage=lines["hull_all_risks"]),
                    RatingBasis(agreed_value=D("70000000")),
                ).premium,
                coverage_premium(
                    rating_terms(coverage=lines["third_party_liability"]),
                    RatingBasis(sum_insured=tpl_limit),
                ).premium,
                coverage_premium(
                    rating_terms(coverage=lines["passenger_liability"]), RatingBasis(seats=seats)
                ).premium,
            )
        )

    assert premiums == [
        (D("840000.00"), D("30000.00"), D("12000.00")),
        (D("840000.00"), D("30000.00"), D("12000.00")),
        (D("840000.00"), D("30000.00"), D("32000.00")),
    ]
    assert sum(sum(p) for p in premiums) == D("2666000.00")


def test_premiums_of_the_demo_crew_from_the_seeded_terms(version):
    accident = coverage_get(version_id=version.pk, code="group_accident")
    licence = coverage_get(version_id=version.pk, code="pilot_loss_of_licence")
    heads = {"pilot": 4, "aircrew": 4, "ground_crew": 4}

    assert coverage_premium(rating_terms(coverage=accident), RatingBasis(heads=heads)).premium == D(
        "64800.00"
    )
    assert coverage_premium(
        rating_terms(coverage=licence), RatingBasis(heads={"pilot": 4})
    ).premium == D("32000.00")


def test_the_seed_can_be_reversed_and_applied_again(version):
    before = version_snapshot(version_id=version.pk)
    before.pop("status")

    # The data functions use the app registry only, not the schema editor.
    seed_migration.unseed(django_apps, None)
    assert not Product.objects.filter(code="aviation-programme").exists()
    assert not Coverage.objects.exists()

    seed_migration.seed(django_apps, None)
    again = ProductVersion.objects.get(product__code="aviation-programme")
    after = version_snapshot(version_id=again.pk)
    after.pop("status")
    assert after == before
