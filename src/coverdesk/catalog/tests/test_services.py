from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from coverdesk.audit.models import AuditEntry
from coverdesk.catalog.exceptions import ProductsManageOnly, VersionPublished
from coverdesk.catalog.models import (
    Clause,
    Coverage,
    CoverageLimit,
    Deductible,
    MaterialChecklist,
    Product,
    ProductVersion,
    RatingRule,
)
from coverdesk.catalog.selectors import version_snapshot
from coverdesk.catalog.services import (
    DraftExists,
    MaterialItemSpec,
    clause_add,
    coverage_add,
    coverage_limit_add,
    deductible_add,
    exclusion_add,
    material_checklist_set,
    product_create,
    product_update,
    product_version_discard,
    product_version_draft,
    product_version_publish,
    product_version_terms_set,
    rating_rule_set,
    version_part_remove,
)
from coverdesk.catalog.tests.factories import (
    AVIATION,
    make_draft,
    make_product_manager,
    make_published,
)
from coverdesk.core.exceptions import ValidationFailed

pytestmark = pytest.mark.django_db


def audit_count():
    return AuditEntry.objects.count()


def last_audit():
    return AuditEntry.objects.order_by("sequence").last()


def rules(caught):
    return [(f.field, f.rule) for f in caught.value.fields]


@pytest.fixture
def manager(db):
    return make_product_manager()


@pytest.fixture
def draft(manager):
    return make_draft(manager)


def add_coverage(manager, version, code="hull", *, insured_object="aircraft", kind="hull", **kw):
    return coverage_add(
        acting_user=manager,
        version_id=version.pk,
        code=code,
        name=f"{code}（中）",
        name_en=code.title(),
        kind=kind,
        insured_object=insured_object,
        **kw,
    )


# --- products ------------------------------------------------------------------------------


def test_product_create_stores_and_audits(manager):
    product = product_create(
        acting_user=manager,
        code="drone-cover",
        name=" 无人机保险 ",
        name_en="Drone cover",
        description="说明",
    )

    product.refresh_from_db()
    assert (product.code, product.name, product.name_en, product.description) == (
        "drone-cover",
        "无人机保险",
        "Drone cover",
        "说明",
    )
    entry = last_audit()
    assert (entry.action, entry.actor_id, entry.subject_type, entry.subject_id) == (
        "product.create",
        manager.pk,
        "catalog.product",
        str(product.pk),
    )
    assert entry.after["code"] == "drone-cover"


@pytest.mark.parametrize(
    ("code", "name", "name_en", "expected"),
    [
        ("Bad Code", "名", "Name", [("code", "code_format")]),
        ("9lives", "名", "Name", [("code", "code_format")]),
        ("ok-code", "", "Name", [("name", "required")]),
        ("ok-code", "名", "x" * 201, [("name_en", "max_length")]),
        (AVIATION, "名", "Name", [("code", "unique")]),
        ("Bad", "", "", [("code", "code_format"), ("name", "required"), ("name_en", "required")]),
    ],
)
def test_product_create_refuses_bad_input_and_changes_nothing(
    manager, code, name, name_en, expected
):
    products, entries = Product.objects.count(), audit_count()

    with pytest.raises(ValidationFailed) as caught:
        product_create(acting_user=manager, code=code, name=name, name_en=name_en)

    assert rules(caught) == expected
    assert (Product.objects.count(), audit_count()) == (products, entries)


@pytest.mark.parametrize("role", [None, "broker", "clerk", "customer", "head", "auditor"])
def test_only_a_product_manager_may_write_the_catalogue(role_user, role):
    user = role_user(role) if role else None
    products, versions, entries = (
        Product.objects.count(),
        ProductVersion.objects.count(),
        audit_count(),
    )

    with pytest.raises(ProductsManageOnly):
        product_create(acting_user=user, code="x-product", name="名", name_en="Name")
    with pytest.raises(ProductsManageOnly):
        product_version_draft(
            acting_user=user, product_code=AVIATION, effective_from=date(2027, 1, 1)
        )

    assert (Product.objects.count(), ProductVersion.objects.count(), audit_count()) == (
        products,
        versions,
        entries,
    )


def test_an_inactive_manager_may_not_write(manager):
    manager.is_active = False
    manager.save()
    with pytest.raises(ProductsManageOnly):
        product_create(acting_user=manager, code="x-product", name="名", name_en="Name")


def test_product_update_changes_named_fields_and_audits_only_them(manager):
    product = product_update(
        acting_user=manager, code=AVIATION, name_en="Aviation", is_active=False
    )

    product.refresh_from_db()
    assert (product.name_en, product.is_active, product.name) == (
        "Aviation",
        False,
        "航空保险综合方案",
    )
    entry = last_audit()
    assert entry.action == "product.update"
    assert entry.before == {"name_en": "Aviation insurance programme", "is_active": True}
    assert entry.after == {"name_en": "Aviation", "is_active": False}


def test_product_update_without_change_writes_no_audit(manager):
    entries = audit_count()
    product_update(acting_user=manager, code=AVIATION, name="航空保险综合方案")
    assert audit_count() == entries


# --- drafts --------------------------------------------------------------------------------


def test_a_new_product_gets_an_empty_draft_version_1(manager, draft):
    assert (draft.number, draft.status, draft.effective_from) == (1, "draft", date(2026, 1, 1))
    assert draft.coverages.count() == 0
    assert (draft.refund_method, draft.cancellation_fee) == ("pro_rata", Decimal("0"))
    assert last_audit().action == "product_version.draft"


def test_a_product_has_one_draft_at_a_time(manager, draft):
    versions = ProductVersion.objects.count()

    with pytest.raises(DraftExists):
        product_version_draft(
            acting_user=manager, product_code="test-product", effective_from=date(2026, 2, 1)
        )
    assert ProductVersion.objects.count() == versions


def test_a_new_version_copies_everything_of_the_published_one(manager):
    current = ProductVersion.objects.get(product__code=AVIATION, number=1)

    draft = product_version_draft(
        acting_user=manager, product_code=AVIATION, effective_from=date(2027, 1, 1)
    )

    assert draft.number == 2
    old, new = version_snapshot(version_id=current.pk), version_snapshot(version_id=draft.pk)
    for key in ("number", "status", "effective_from"):
        old.pop(key), new.pop(key)
    assert new == old
    assert Coverage.objects.filter(version=draft).count() == 6
    assert Clause.objects.filter(version=draft).count() == 10
    # the copy is separate: the published version keeps its own rows
    assert not Coverage.objects.filter(
        version=current, pk__in=draft.coverages.values("pk")
    ).exists()
    assert last_audit().after["copied_from"] == 1


def test_a_draft_can_copy_a_named_version_of_the_same_product_only(manager, draft):
    other = ProductVersion.objects.get(product__code=AVIATION, number=1)
    product_version_discard(acting_user=manager, version_id=draft.pk)

    with pytest.raises(ValidationFailed) as caught:
        product_version_draft(
            acting_user=manager,
            product_code="test-product",
            effective_from=date(2026, 1, 1),
            copy_from_version_id=other.pk,
        )
    assert rules(caught) == [("copy_from_version_id", "unknown")]


# --- shaping a draft -----------------------------------------------------------------------


def test_coverage_add_with_sections(manager, draft):
    package = add_coverage(manager, draft, "package", kind="package")
    hull = add_coverage(manager, draft, "hull", parent_code="package")
    liability = add_coverage(manager, draft, "tpl", kind="liability", parent_code="package")

    assert (hull.parent_id, liability.parent_id) == (package.pk, package.pk)
    assert (package.position, hull.position, liability.position) == (1, 1, 2)
    assert last_audit().after == {
        "version": draft.pk,
        "code": "tpl",
        "parent": "package",
        "kind": "liability",
        "insured_object": "aircraft",
    }


@pytest.mark.parametrize(
    ("code", "kind", "insured_object", "parent", "expected"),
    [
        ("hull", "hull", "aircraft", None, [("code", "unique")]),
        ("new", "weather", "aircraft", None, [("kind", "choice")]),
        ("new", "hull", "boat", None, [("insured_object", "choice")]),
        ("new", "hull", "aircraft", "nope", [("parent_code", "unknown")]),
        ("new", "hull", "aircraft", "section", [("parent_code", "depth")]),
        ("new", "hull", "aircraft", "hull", [("parent_code", "parent_rated")]),
    ],
)
def test_coverage_add_refuses_bad_input(
    manager, draft, code, kind, insured_object, parent, expected
):
    hull = add_coverage(manager, draft, "hull")
    rating_rule_set(acting_user=manager, coverage_id=hull.pk, method="flat", amount="100")
    add_coverage(manager, draft, "package", kind="package")
    add_coverage(manager, draft, "section", parent_code="package")
    coverages, entries = Coverage.objects.count(), audit_count()

    with pytest.raises(ValidationFailed) as caught:
        add_coverage(
            manager, draft, code, kind=kind, insured_object=insured_object, parent_code=parent
        )

    assert rules(caught) == expected
    assert (Coverage.objects.count(), audit_count()) == (coverages, entries)


def test_limits_fixed_and_on_the_agreed_value(manager, draft):
    hull = add_coverage(manager, draft, "hull")

    by_value = coverage_limit_add(
        acting_user=manager,
        coverage_id=hull.pk,
        kind="per_occurrence",
        basis="agreed_value",
        share="1",
    )
    parts = coverage_limit_add(
        acting_user=manager,
        coverage_id=hull.pk,
        kind="per_occurrence",
        amount="5000000",
        loss_type="spare_parts",
    )

    assert (by_value.share, by_value.amount) == (Decimal("1"), None)
    assert (parts.amount, parts.loss_type) == (Decimal("5000000"), "spare_parts")
    assert last_audit().action == "coverage_limit.add"


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"kind": "aggregate", "amount": "-1"}, [("amount", "money")]),
        ({"kind": "aggregate", "amount": "0"}, [("amount", "money")]),
        ({"kind": "aggregate", "amount": "1.005"}, [("amount", "money")]),
        ({"kind": "aggregate"}, [("amount", "required")]),
        ({"kind": "sometimes", "amount": "1"}, [("kind", "choice")]),
        ({"kind": "aggregate", "basis": "agreed_value", "share": "1.5"}, [("share", "share")]),
        (
            {"kind": "per_person", "basis": "agreed_value", "share": "1"},
            [("basis", "agreed_value_basis")],
        ),
        (
            {"kind": "per_occurrence", "amount": "1", "loss_type": "boredom"},
            [("loss_type", "choice")],
        ),
        ({"kind": "per_occurrence", "amount": "7"}, [("kind", "unique")]),
    ],
)
def test_limit_add_refuses_bad_input(manager, draft, kwargs, expected):
    hull = add_coverage(manager, draft, "hull")
    coverage_limit_add(acting_user=manager, coverage_id=hull.pk, kind="per_occurrence", amount="9")
    limits = CoverageLimit.objects.count()

    with pytest.raises(ValidationFailed) as caught:
        coverage_limit_add(acting_user=manager, coverage_id=hull.pk, **kwargs)

    assert rules(caught) == expected
    assert CoverageLimit.objects.count() == limits


def test_an_agreed_value_limit_is_for_aircraft_coverages(manager, draft):
    crew = add_coverage(manager, draft, "crew", kind="personal_accident", insured_object="person")
    with pytest.raises(ValidationFailed) as caught:
        coverage_limit_add(
            acting_user=manager,
            coverage_id=crew.pk,
            kind="aggregate",
            basis="agreed_value",
            share="1",
        )
    assert rules(caught) == [("basis", "agreed_value_basis")]


def test_deductibles_amount_and_percentage_with_minimum(manager, draft):
    hull = add_coverage(manager, draft, "hull")

    percentage = deductible_add(
        acting_user=manager,
        coverage_id=hull.pk,
        kind="percentage",
        percentage="0.05",
        minimum_amount="100000",
        loss_type="hull_partial",
    )
    fixed = deductible_add(acting_user=manager, coverage_id=hull.pk, kind="amount", amount="0")

    assert (percentage.percentage, percentage.minimum_amount) == (
        Decimal("0.05"),
        Decimal("100000"),
    )
    assert (fixed.amount, fixed.loss_type) == (Decimal("0"), "")


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"kind": "percentage", "percentage": "5"}, [("percentage", "share")]),
        ({"kind": "percentage"}, [("percentage", "required")]),
        (
            {"kind": "percentage", "percentage": "0.1", "minimum_amount": "-1"},
            [("minimum_amount", "money")],
        ),
        ({"kind": "amount", "amount": "-100"}, [("amount", "money")]),
        ({"kind": "franchise", "amount": "1"}, [("kind", "choice")]),
        ({"kind": "amount", "amount": "1", "loss_type": "hull_partial"}, [("loss_type", "unique")]),
    ],
)
def test_deductible_add_refuses_bad_input(manager, draft, kwargs, expected):
    hull = add_coverage(manager, draft, "hull")
    deductible_add(
        acting_user=manager,
        coverage_id=hull.pk,
        kind="amount",
        amount="1",
        loss_type="hull_partial",
    )
    count = Deductible.objects.count()

    with pytest.raises(ValidationFailed) as caught:
        deductible_add(acting_user=manager, coverage_id=hull.pk, **kwargs)

    assert rules(caught) == expected
    assert Deductible.objects.count() == count


def test_rating_rule_set_replaces_the_earlier_rule(manager, draft):
    crew = add_coverage(manager, draft, "crew", kind="personal_accident", insured_object="person")
    rating_rule_set(acting_user=manager, coverage_id=crew.pk, method="flat", amount="500")

    rule = rating_rule_set(
        acting_user=manager,
        coverage_id=crew.pk,
        method="per_head",
        head_premiums={"pilot": "9000", "ground_crew": Decimal("1200")},
        minimum_premium="10000",
    )

    assert RatingRule.objects.filter(coverage=crew).count() == 1
    assert {h.person_category: h.premium for h in rule.head_premiums.all()} == {
        "ground_crew": Decimal("1200"),
        "pilot": Decimal("9000"),
    }
    entry = last_audit()
    assert entry.action == "rating_rule.set"
    assert entry.before == {"method": "flat", "rate": None, "amount": "500.00"}
    assert entry.after["head_premiums"] == {"ground_crew": "1200", "pilot": "9000"}


@pytest.mark.parametrize(
    ("coverage", "kwargs", "expected"),
    [
        ("hull", {"method": "agreed_value_rate", "rate": "0"}, [("rate", "rate")]),
        ("hull", {"method": "agreed_value_rate", "rate": "0.0000001"}, [("rate", "rate")]),
        ("hull", {"method": "agreed_value_rate"}, [("rate", "rate")]),
        ("hull", {"method": "per_seat", "amount": "-2"}, [("amount", "money")]),
        (
            "hull",
            {"method": "per_head", "head_premiums": {"pilot": "1"}},
            [("method", "person_only")],
        ),
        ("crew", {"method": "agreed_value_rate", "rate": "0.01"}, [("method", "aircraft_only")]),
        ("crew", {"method": "per_head", "head_premiums": {}}, [("head_premiums", "required")]),
        (
            "crew",
            {"method": "per_head", "head_premiums": {"cook": "1"}},
            [("head_premiums", "choice")],
        ),
        (
            "crew",
            {"method": "per_head", "head_premiums": {"pilot": "0"}},
            [("head_premiums.pilot", "money")],
        ),
        ("hull", {"method": "guess"}, [("method", "choice")]),
        (
            "hull",
            {"method": "flat", "amount": "1", "minimum_premium": "0"},
            [("minimum_premium", "money")],
        ),
        ("package", {"method": "flat", "amount": "1"}, [("coverage", "has_sections")]),
    ],
)
def test_rating_rule_set_refuses_bad_input(manager, draft, coverage, kwargs, expected):
    coverages = {
        "hull": add_coverage(manager, draft, "hull"),
        "crew": add_coverage(
            manager, draft, "crew", kind="personal_accident", insured_object="person"
        ),
        "package": add_coverage(manager, draft, "package", kind="package"),
    }
    add_coverage(manager, draft, "section", parent_code="package")
    entries = audit_count()

    with pytest.raises(ValidationFailed) as caught:
        rating_rule_set(acting_user=manager, coverage_id=coverages[coverage].pk, **kwargs)

    assert rules(caught) == expected
    assert (RatingRule.objects.filter(coverage__version=draft).count(), audit_count()) == (
        0,
        entries,
    )


def test_clause_add_stores_checked_parameters(manager, draft):
    add_coverage(manager, draft, "hull")

    clause = clause_add(
        acting_user=manager,
        version_id=draft.pk,
        code="ctl",
        category="special",
        kind="constructive_total_loss",
        title="推定全损约定",
        title_en="Constructive total loss",
        text="修复费用达到协议价值的80%视为推定全损。",
        text_en="Repair at 80% of the agreed value or more is a constructive total loss.",
        parameters={"threshold": Decimal("0.80")},
        coverage_code="hull",
    )

    clause.refresh_from_db()
    assert (clause.parameters, clause.coverage.code, clause.kind) == (
        {"threshold": "0.80"},
        "hull",
        "constructive_total_loss",
    )
    assert last_audit().after["parameters"] == {"threshold": "0.80"}


def test_clause_add_names_bad_parameters_and_unknown_coverage(manager, draft):
    with pytest.raises(ValidationFailed) as caught:
        clause_add(
            acting_user=manager,
            version_id=draft.pk,
            code="ctl",
            category="special",
            kind="constructive_total_loss",
            title="推定全损约定",
            title_en="Constructive total loss",
            text="…",
            text_en="…",
            parameters={"threshold": "75%"},
            coverage_code="hull",
        )

    assert rules(caught) == [
        ("parameters.threshold", "share"),
        ("coverage_code", "unknown"),
    ]
    assert Clause.objects.filter(version=draft).count() == 0


def test_material_checklist_set_replaces_the_list(manager, draft):
    hull = add_coverage(manager, draft, "hull")
    material_checklist_set(
        acting_user=manager,
        coverage_id=hull.pk,
        loss_type="hull_partial",
        items=[MaterialItemSpec("claim_form", "索赔申请书", "Claim form", True, True)],
    )

    checklist = material_checklist_set(
        acting_user=manager,
        coverage_id=hull.pk,
        loss_type="hull_partial",
        items=[
            MaterialItemSpec("claim_form", "索赔申请书", "Claim form", True, True),
            MaterialItemSpec("photos", "照片", "Photos", required=False),
        ],
    )

    assert MaterialChecklist.objects.filter(coverage=hull).count() == 1
    assert [(i.code, i.required, i.green_channel, i.position) for i in checklist.items.all()] == [
        ("claim_form", True, True, 1),
        ("photos", False, False, 2),
    ]
    assert last_audit().before == ["claim_form"]


def test_material_checklist_refuses_duplicate_codes_and_empty_lists(manager, draft):
    hull = add_coverage(manager, draft, "hull")
    with pytest.raises(ValidationFailed) as caught:
        material_checklist_set(
            acting_user=manager,
            coverage_id=hull.pk,
            loss_type="hull_partial",
            items=[MaterialItemSpec("a", "甲", "A"), MaterialItemSpec("a", "乙", "B")],
        )
    assert rules(caught) == [("items.2.code", "unique")]
    with pytest.raises(ValidationFailed) as caught:
        material_checklist_set(
            acting_user=manager, coverage_id=hull.pk, loss_type="hull_partial", items=[]
        )
    assert rules(caught) == [("items", "required")]
    assert MaterialChecklist.objects.filter(coverage=hull).count() == 0


def test_exclusion_add(manager, draft):
    hull = add_coverage(manager, draft, "hull")
    exclusion_add(acting_user=manager, coverage_id=hull.pk, code="war", text="战争", text_en="War")
    with pytest.raises(ValidationFailed) as caught:
        exclusion_add(acting_user=manager, coverage_id=hull.pk, code="war", text="战", text_en="W")
    assert rules(caught) == [("code", "unique")]
    assert [e.code for e in hull.exclusions.all()] == ["war"]


def test_terms_set_checks_the_cancellation_terms(manager, draft):
    version = product_version_terms_set(
        acting_user=manager,
        version_id=draft.pk,
        refund_method="short_rate",
        short_rate_table=[{"months": 6, "earned": "0.6"}, {"months": 12, "earned": "1"}],
        cancellation_fee="200",
    )
    assert (version.refund_method, version.short_rate_table, version.cancellation_fee) == (
        "short_rate",
        [{"months": 6, "earned": "0.6"}, {"months": 12, "earned": "1"}],
        Decimal("200"),
    )

    with pytest.raises(ValidationFailed) as caught:
        product_version_terms_set(
            acting_user=manager,
            version_id=draft.pk,
            refund_method="whatever",
            short_rate_table=[{"months": 12, "earned": "0.5"}],
            flat_refund_share="2",
            cancellation_fee="-1",
        )
    assert rules(caught) == [
        ("refund_method", "choice"),
        ("short_rate_table", "short_rate_last_row"),
        ("flat_refund_share", "share"),
        ("cancellation_fee", "money"),
    ]
    draft.refresh_from_db()
    assert (draft.refund_method, draft.cancellation_fee) == ("short_rate", Decimal("200"))


def test_version_part_remove_takes_a_coverage_with_its_sections(manager, draft):
    package = add_coverage(manager, draft, "package", kind="package")
    add_coverage(manager, draft, "hull", parent_code="package")

    version_part_remove(acting_user=manager, part="coverage", part_id=package.pk)

    assert Coverage.objects.filter(version=draft).count() == 0
    assert last_audit().subject_type == "catalog.coverage"


def test_version_part_remove_refuses_unknown_parts(manager, draft):
    with pytest.raises(ValidationFailed) as caught:
        version_part_remove(acting_user=manager, part="planet", part_id=1)
    assert rules(caught) == [("part", "choice")]
    with pytest.raises(ValidationFailed) as caught:
        version_part_remove(acting_user=manager, part="coverage", part_id=999999)
    assert rules(caught) == [("part_id", "unknown")]


# --- publishing ----------------------------------------------------------------------------


def test_publish_freezes_a_complete_draft(manager):
    moment = datetime(2025, 12, 1, 9, 0, tzinfo=UTC)
    draft = make_draft(manager)
    hull = add_coverage(manager, draft, "hull")
    rating_rule_set(
        acting_user=manager, coverage_id=hull.pk, method="agreed_value_rate", rate="0.01"
    )

    version = product_version_publish(acting_user=manager, version_id=draft.pk, now=moment)

    version.refresh_from_db()
    assert (version.status, version.published_at, version.published_by_id) == (
        "published",
        moment,
        manager.pk,
    )
    entry = last_audit()
    assert (entry.action, entry.before) == ("product_version.publish", {"status": "draft"})
    assert entry.after["coverages"][0]["rating"]["rate"] == "0.010000"


def test_publish_refuses_an_incomplete_draft_and_leaves_it_a_draft(manager, draft):
    crew = add_coverage(manager, draft, "crew", kind="personal_accident", insured_object="person")
    add_coverage(manager, draft, "hull")
    RatingRule.objects.create(coverage=crew, method="per_head")  # as if its heads were removed
    product_version_terms_set(acting_user=manager, version_id=draft.pk, refund_method="flat")
    entries = audit_count()

    with pytest.raises(ValidationFailed) as caught:
        product_version_publish(acting_user=manager, version_id=draft.pk)

    assert rules(caught) == [
        ("rating", "head_premiums"),
        ("rating", "required"),
        ("flat_refund_share", "required"),
    ]
    draft.refresh_from_db()
    assert (draft.status, draft.published_at, audit_count()) == ("draft", None, entries)


def test_publish_refuses_an_empty_draft(manager, draft):
    with pytest.raises(ValidationFailed) as caught:
        product_version_publish(acting_user=manager, version_id=draft.pk)
    assert rules(caught) == [("coverages", "required")]


def test_a_new_version_must_take_effect_after_the_published_one(manager):
    draft = product_version_draft(
        acting_user=manager, product_code=AVIATION, effective_from=date(2025, 1, 1)
    )
    with pytest.raises(ValidationFailed) as caught:
        product_version_publish(acting_user=manager, version_id=draft.pk)
    assert rules(caught) == [("effective_from", "after_published")]

    product_version_terms_set(
        acting_user=manager, version_id=draft.pk, effective_from=date(2026, 12, 22)
    )
    assert product_version_publish(acting_user=manager, version_id=draft.pk).number == 2


def test_a_published_version_never_changes(manager):
    version = make_published(manager)
    hull = version.coverages.get(code="hull")
    before = version_snapshot(version_id=version.pk)
    entries = audit_count()

    attempts = [
        lambda: add_coverage(manager, version, "tpl", kind="liability"),
        lambda: coverage_limit_add(
            acting_user=manager, coverage_id=hull.pk, kind="aggregate", amount="1"
        ),
        lambda: deductible_add(acting_user=manager, coverage_id=hull.pk, kind="amount", amount="1"),
        lambda: rating_rule_set(
            acting_user=manager, coverage_id=hull.pk, method="flat", amount="1"
        ),
        lambda: exclusion_add(
            acting_user=manager, coverage_id=hull.pk, code="x", text="x", text_en="x"
        ),
        lambda: clause_add(
            acting_user=manager,
            version_id=version.pk,
            code="x",
            category="special",
            kind="general",
            title="x",
            title_en="x",
            text="x",
            text_en="x",
        ),
        lambda: material_checklist_set(
            acting_user=manager,
            coverage_id=hull.pk,
            loss_type="hull_total",
            items=[MaterialItemSpec("a", "甲", "A")],
        ),
        lambda: product_version_terms_set(
            acting_user=manager, version_id=version.pk, cancellation_fee="100"
        ),
        lambda: version_part_remove(acting_user=manager, part="coverage", part_id=hull.pk),
        lambda: product_version_publish(acting_user=manager, version_id=version.pk),
        lambda: product_version_discard(acting_user=manager, version_id=version.pk),
    ]
    for attempt in attempts:
        with pytest.raises(VersionPublished):
            attempt()

    assert version_snapshot(version_id=version.pk) == before
    assert audit_count() == entries


def test_discard_deletes_a_draft_and_everything_in_it(manager, draft):
    hull = add_coverage(manager, draft, "hull")
    rating_rule_set(acting_user=manager, coverage_id=hull.pk, method="flat", amount="1")

    product_version_discard(acting_user=manager, version_id=draft.pk)

    assert not ProductVersion.objects.filter(pk=draft.pk).exists()
    assert not Coverage.objects.filter(pk=hull.pk).exists()
    entry = last_audit()
    assert (entry.action, entry.subject_type, entry.subject_id) == (
        "product_version.discard",
        "catalog.productversion",
        str(draft.pk),
    )
