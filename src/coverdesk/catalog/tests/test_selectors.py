from datetime import date
from decimal import Decimal as D

import pytest

from coverdesk.catalog.calculations import DeductibleTerms, LimitTerms
from coverdesk.catalog.exceptions import CoverageNotFound, NoVersionInForce, ProductNotFound
from coverdesk.catalog.selectors import (
    clause_decimal,
    clause_of_kind,
    coverage_get,
    coverage_lines,
    coverages_of_version,
    deductible_terms,
    limit_terms,
    material_checklist,
    product_version_current,
    product_version_resolve,
    rating_terms,
)
from coverdesk.catalog.services import (
    product_update,
    product_version_draft,
    product_version_publish,
    product_version_terms_set,
)
from coverdesk.catalog.tests.factories import AVIATION, make_product_manager, make_published
from coverdesk.core.exceptions import ValidationFailed

pytestmark = pytest.mark.django_db

AGREED = D("70000000.00")


@pytest.fixture
def aviation():
    return product_version_current(code=AVIATION, on=date(2025, 12, 22))


def test_the_version_in_force_is_the_latest_published_one_not_after_the_day():
    manager = make_product_manager()
    first = make_published(manager, effective_from=date(2026, 1, 1))
    draft = product_version_draft(
        acting_user=manager, product_code="test-product", effective_from=date(2026, 7, 1)
    )
    second = product_version_publish(acting_user=manager, version_id=draft.pk)
    product_version_draft(
        acting_user=manager, product_code="test-product", effective_from=date(2026, 9, 1)
    )  # a draft is never in force

    def on(day):
        return product_version_current(code="test-product", on=day).pk

    assert on(date(2026, 1, 1)) == first.pk
    assert on(date(2026, 6, 30)) == first.pk
    assert on(date(2026, 7, 1)) == second.pk
    assert on(date(2026, 12, 31)) == second.pk
    with pytest.raises(NoVersionInForce) as caught:
        on(date(2025, 12, 31))
    assert (
        caught.value.message
        == "Product test-product has no published version in force on 2025-12-31."
    )


def test_an_inactive_product_has_no_version_in_force():
    manager = make_product_manager()
    product_update(acting_user=manager, code=AVIATION, is_active=False)
    with pytest.raises(NoVersionInForce):
        product_version_current(code=AVIATION, on=date(2026, 1, 1))


def test_an_unknown_product():
    with pytest.raises(ProductNotFound) as caught:
        product_version_current(code="space-tourism", on=date(2026, 1, 1))
    assert (caught.value.code, caught.value.status_code) == ("catalog_product_not_found", 404)


def test_resolve_turns_an_unknown_product_into_a_field_error():
    with pytest.raises(ValidationFailed) as caught:
        product_version_resolve(code="space-tourism", on=date(2026, 1, 1))
    assert [(f.field, f.rule) for f in caught.value.fields] == [("product", "unknown_product")]
    assert caught.value.message == "product: There is no product space-tourism."

    with pytest.raises(ValidationFailed) as caught:
        product_version_resolve(code=AVIATION, on=date(2024, 6, 1), field="product_code")
    assert [(f.field, f.rule) for f in caught.value.fields] == [
        ("product_code", "no_version_in_force")
    ]
    assert product_version_resolve(code=AVIATION, on=date(2026, 6, 1)).number == 1


def test_coverages_of_version_are_the_top_level_ones_in_order(aviation):
    coverages = list(coverages_of_version(version_id=aviation.pk))

    assert [c.code for c in coverages] == [
        "aviation_comprehensive",
        "group_accident",
        "pilot_loss_of_licence",
    ]
    assert [s.code for s in coverages[0].sections.all()] == [
        "hull_all_risks",
        "third_party_liability",
        "passenger_liability",
    ]


def test_coverage_lines_are_the_sections_or_the_coverage_itself(aviation):
    package = coverage_get(version_id=aviation.pk, code="aviation_comprehensive")
    accident = coverage_get(version_id=aviation.pk, code="group_accident")

    assert [c.code for c in coverage_lines(coverage=package)] == [
        "hull_all_risks",
        "third_party_liability",
        "passenger_liability",
    ]
    assert [c.code for c in coverage_lines(coverage=accident)] == ["group_accident"]
    with pytest.raises(CoverageNotFound):
        coverage_get(version_id=aviation.pk, code="space")


def test_rating_terms_of_the_seeded_coverages(aviation):
    hull = coverage_get(version_id=aviation.pk, code="hull_all_risks")
    accident = coverage_get(version_id=aviation.pk, code="group_accident")
    package = coverage_get(version_id=aviation.pk, code="aviation_comprehensive")

    assert rating_terms(coverage=hull).rate == D("0.012")
    assert rating_terms(coverage=accident).head_premiums == {
        "aircrew": D("6000"),
        "ground_crew": D("1200"),
        "pilot": D("9000"),
    }
    assert rating_terms(coverage=package) is None


def test_deductible_terms_fall_back_to_the_coverage_wide_row(aviation):
    hull = coverage_get(version_id=aviation.pk, code="hull_all_risks")
    tpl = coverage_get(version_id=aviation.pk, code="third_party_liability")

    assert deductible_terms(coverage=hull, loss_type="hull_partial") == DeductibleTerms(
        "percentage", None, D("0.05"), D("100000")
    )
    assert deductible_terms(coverage=hull, loss_type="hull_total") is None
    assert deductible_terms(coverage=tpl, loss_type="third_party_property") == DeductibleTerms(
        "amount", D("10000"), None, None
    )
    assert deductible_terms(coverage=tpl, loss_type="third_party_injury") is None


def test_limit_terms_pick_the_most_specific_row(aviation):
    hull = coverage_get(version_id=aviation.pk, code="hull_all_risks")
    tpl = coverage_get(version_id=aviation.pk, code="third_party_liability")
    accident = coverage_get(version_id=aviation.pk, code="group_accident")

    assert limit_terms(coverage=hull, loss_type="hull_partial", agreed_value=AGREED) == LimitTerms(
        per_occurrence=AGREED
    )
    assert limit_terms(coverage=hull, loss_type="spare_parts", agreed_value=AGREED) == LimitTerms(
        per_occurrence=D("5000000")
    )
    assert limit_terms(coverage=tpl) == LimitTerms(
        per_occurrence=D("20000000"), aggregate=D("40000000")
    )
    assert limit_terms(
        coverage=accident, loss_type="accidental_death", person_category="ground_crew"
    ) == LimitTerms(per_person=D("1000000"))
    assert limit_terms(
        coverage=accident, loss_type="medical_expenses", person_category="pilot"
    ) == LimitTerms(per_person=D("100000"))


def test_clauses_are_found_on_the_coverage_its_parent_or_the_version(aviation):
    hull = coverage_get(version_id=aviation.pk, code="hull_all_risks")
    accident = coverage_get(version_id=aviation.pk, code="group_accident")

    assert clause_decimal(
        version_id=aviation.pk, kind="constructive_total_loss", name="threshold", coverage=hull
    ) == D("0.75")
    assert (
        clause_of_kind(version_id=aviation.pk, kind="police_dog", coverage=hull).code
        == "police_dog"
    )
    assert clause_of_kind(
        version_id=aviation.pk, kind="flight_area", coverage=accident
    ).parameters == {
        "territory": "中华人民共和国境内及其领海",
        "high_seas": True,
    }
    assert clause_of_kind(version_id=aviation.pk, kind="police_dog", coverage=accident) is None
    assert (
        clause_decimal(version_id=aviation.pk, kind="constructive_total_loss", name="threshold")
        is None
    )


def test_material_checklists_full_and_green_channel(aviation):
    hull = coverage_get(version_id=aviation.pk, code="hull_all_risks")
    passengers = coverage_get(version_id=aviation.pk, code="passenger_liability")

    full = material_checklist(coverage=hull, loss_type="hull_partial")
    green = material_checklist(coverage=hull, loss_type="hull_partial", green_channel=True)

    assert [i.code for i in full] == [
        "claim_form",
        "accident_report",
        "loss_photos",
        "flight_log",
        "crew_licences",
        "repair_quote",
        "repair_invoices",
        "investigation_report",
    ]
    assert [i.code for i in green] == [
        "claim_form",
        "accident_report",
        "loss_photos",
        "repair_quote",
    ]
    assert [i.required for i in full][-1] is False
    # a section without its own list for the loss type uses the parent coverage's
    assert [i.code for i in material_checklist(coverage=passengers, loss_type="police_dog")] == [
        "claim_form",
        "task_order",
        "dog_record",
        "dog_death_proof",
    ]
    assert material_checklist(coverage=hull, loss_type="loss_of_licence") == []


def test_cancellation_terms_are_read_from_the_version(aviation):
    assert (aviation.refund_method, aviation.cancellation_fee, len(aviation.short_rate_table)) == (
        "pro_rata",
        D("0"),
        12,
    )
    manager = make_product_manager()
    draft = product_version_draft(
        acting_user=manager, product_code=AVIATION, effective_from=date(2026, 12, 22)
    )
    product_version_terms_set(acting_user=manager, version_id=draft.pk, refund_method="short_rate")
    product_version_publish(acting_user=manager, version_id=draft.pk)

    assert product_version_current(code=AVIATION, on=date(2026, 12, 21)).refund_method == "pro_rata"
    assert (
        product_version_current(code=AVIATION, on=date(2026, 12, 22)).refund_method == "short_rate"
    )
