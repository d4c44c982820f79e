"""Standards: the preloaded catalogue, versions that apply to clocks started after them, and
the administrator's explicit re-plan of running clocks."""

from datetime import timedelta
from decimal import Decimal

import pytest

from coverdesk.accounts.tests.factories import make_user
from coverdesk.audit.models import AuditEntry
from coverdesk.core.exceptions import ValidationFailed
from coverdesk.sla.models import SlaClockReplan, SlaStandard, SlaStandardVersion
from coverdesk.sla.services.clocks import sla_clock_pause, sla_clock_start
from coverdesk.sla.services.replan import sla_standard_replan_running
from coverdesk.sla.services.standards import (
    EscalationStep,
    StandardExists,
    StandardsAdminOnly,
    StandardTerms,
    sla_standard_change,
    sla_standard_create,
    sla_standard_describe,
)
from coverdesk.sla.tests.clock_factories import SUBJECT, at, make_team

pytestmark = pytest.mark.django_db

NOW = at(2026, 3, 2, 9)


@pytest.fixture
def team():
    return make_team()


@pytest.fixture
def admin():
    return make_user("admin", is_superuser=True)


CATALOGUE_SAMPLES = [
    # code, amount, unit, calendar, customer updates
    ("sales.phone_inquiry.answer", 10, "business_minutes", "cn-mainland", False),
    ("sales.online_inquiry.reply", 30, "natural_minutes", "7x24", False),
    ("sales.application.complex", 5, "working_days", "cn-mainland", True),
    ("service.question.complex", 3, "working_days", "cn-mainland", True),
    ("service.complaint.resolve.complex", 10, "working_days", "cn-mainland", False),
    ("claims.adjudication.simple", 3, "working_days", "cn-mainland", False),
    ("claims.adjudication.general", 5, "working_days", "cn-mainland", False),
    ("claims.adjudication.complex", 10, "working_days", "cn-mainland", False),
    ("claims.payment.complex", 5, "working_days", "cn-mainland", False),
    ("claims_bid.green_channel.approval", 5, "working_days", "cn-mainland", False),
    ("back_office.tech_support.response", 2, "business_hours", "cn-mainland", False),
    ("back_office.document_review.urgent", 2, "business_hours", "cn-mainland", False),
    ("back_office.statistics.monthly", 5, "working_days", "cn-mainland", False),
    ("back_office.timeliness_analysis.quarterly", 91, "natural_days", "cn-mainland", False),
    ("aviation.complex_question.first_plan", 4, "business_hours", "cn-mainland", False),
    ("aviation.accident.contact_reporter", 15, "natural_minutes", "7x24", False),
    ("aviation.accident.resources_dispatched", 45, "natural_minutes", "7x24", False),
    ("aviation.accident.team_departs", 60, "natural_minutes", "7x24", False),
    ("aviation.major_event.response_plan", 90, "natural_minutes", "7x24", False),
    ("law.insurance_22.missing_materials_notice", 1, "working_days", "cn-mainland", False),
    ("law.insurance_23.decision", 30, "natural_days", "cn-mainland", False),
    ("law.insurance_23.payment", 10, "natural_days", "cn-mainland", False),
    ("law.insurance_24.refusal_notice", 3, "natural_days", "cn-mainland", False),
    ("law.insurance_25.advance_payment", 60, "natural_days", "cn-mainland", False),
    ("regulation.complaint.decision", 15, "natural_days", "cn-mainland", False),
    ("followup.progress_report", 1, "working_days", "cn-mainland", False),
    ("followup.rectification_report", 2, "working_days", "cn-mainland", False),
    ("followup.customer_update", 1, "working_days", "cn-mainland", False),
]


def test_the_catalogue_is_preloaded():
    # the 47 rows of domain.md §4 and its follow-ups, the servicing default (migration 0008) and
    # the service desk's three (servicedesk migration 0002)
    assert SlaStandard.objects.count() == 51
    assert set(SlaStandard.objects.values_list("area", flat=True)) == {
        "sales",
        "service",
        "claims",
        "claims_bid",
        "back_office",
        "aviation_bid",
        "law",
        "regulation",
        "followup",
    }
    assert SlaStandardVersion.objects.exclude(number=1).count() == 0


@pytest.mark.parametrize(("code", "amount", "unit", "calendar", "updates"), CATALOGUE_SAMPLES)
def test_catalogue_rows(code, amount, unit, calendar, updates):
    version = SlaStandardVersion.objects.get(standard__code=code)
    assert (version.amount, version.unit, version.calendar.code, version.customer_updates) == (
        amount,
        unit,
        calendar,
        updates,
    )
    assert version.yellow_ratio == Decimal("0.800")


def test_legal_rows_name_their_source_and_warnings_reach_the_right_people():
    decision = SlaStandardVersion.objects.get(standard__code="law.insurance_23.decision")
    assert decision.source == "《中华人民共和国保险法》第二十三条"
    assert decision.standard.name == "复杂情形核定（补充资料期间暂停）"
    assert (decision.yellow_notify, decision.red_notify) == (
        ["assignee", "department_head"],
        ["department_head", "management"],
    )
    assert (decision.progress_report_followup, decision.rectification_followup) == (True, True)
    followup = SlaStandardVersion.objects.get(standard__code="followup.progress_report")
    assert (followup.progress_report_followup, followup.rectification_followup) == (False, False)


def test_a_change_applies_to_clocks_started_after_it(team, admin):
    # given a clock running under version 1 (3 WD)
    before = sla_clock_start(
        subject=SUBJECT,
        standard_code="claims.adjudication.simple",
        assignee=team.adjuster,
        acting_user=None,
        now=NOW,
    )
    # when the standard tightens to 2 WD from Tuesday 09:00
    version = sla_standard_change(
        code="claims.adjudication.simple",
        terms=StandardTerms(
            amount=2,
            unit="working_days",
            calendar_code="cn-mainland",
            source="Board decision 2026-12",
        ),
        effective_from=at(2026, 3, 3, 9),
        acting_user=admin,
        now=NOW,
    )
    # then a clock started before that instant still uses version 1, one after it version 2
    early = sla_clock_start(
        subject=SUBJECT,
        standard_code="claims.adjudication.simple",
        assignee=team.adjuster,
        acting_user=None,
        now=at(2026, 3, 3, 8, 59),
    )
    late = sla_clock_start(
        subject=SUBJECT,
        standard_code="claims.adjudication.simple",
        assignee=team.adjuster,
        acting_user=None,
        now=at(2026, 3, 3, 9),
    )
    assert version.number == 2
    assert [c.standard_version.number for c in (before, early, late)] == [1, 1, 2]
    assert late.due_at == at(2026, 3, 5, 17, 30)
    before.refresh_from_db()
    assert before.due_at == at(2026, 3, 5, 17, 30)  # 3 WD from Monday: untouched
    entry = AuditEntry.objects.filter(action="sla.standard.change").get()
    assert (entry.before["amount"], entry.after["amount"], entry.after["number"]) == (3, 2, 2)


def test_only_an_administrator_changes_standards_and_a_refusal_changes_nothing(team):
    with pytest.raises(StandardsAdminOnly):
        sla_standard_change(
            code="claims.adjudication.simple",
            terms=StandardTerms(amount=2, unit="working_days", calendar_code="cn-mainland"),
            acting_user=team.head,
            now=NOW,
        )
    assert (
        SlaStandardVersion.objects.filter(standard__code="claims.adjudication.simple").count() == 1
    )
    assert not AuditEntry.objects.filter(action__startswith="sla.standard").exists()


def test_bad_terms_name_every_field(admin):
    with pytest.raises(ValidationFailed) as caught:
        sla_standard_change(
            code="claims.adjudication.simple",
            terms=StandardTerms(
                amount=0,
                unit="fortnights",
                calendar_code="mars",
                yellow_ratio=Decimal("1.2"),
                red_notify=("everyone",),
            ),
            effective_from=NOW - timedelta(days=1),
            acting_user=admin,
            now=NOW,
        )
    assert [(f.field, f.rule) for f in caught.value.fields] == [
        ("amount", "range"),
        ("unit", "choice"),
        ("calendar", "unknown"),
        ("yellow_ratio", "range"),
        ("red_notify", "choice"),
        ("effective_from", "past"),
    ]
    assert (
        SlaStandardVersion.objects.filter(standard__code="claims.adjudication.simple").count() == 1
    )


def test_escalations_must_rise_above_the_deadline(admin):
    with pytest.raises(ValidationFailed) as caught:
        sla_standard_change(
            code="claims.adjudication.simple",
            terms=StandardTerms(
                amount=3,
                unit="working_days",
                calendar_code="cn-mainland",
                escalations=(EscalationStep(Decimal("0.9"), ("management",)),),
            ),
            acting_user=admin,
            now=NOW,
        )
    assert [(f.field, f.rule) for f in caught.value.fields] == [("escalations", "order")]


def test_create_a_standard_and_start_a_clock_on_it(team, admin):
    standard = sla_standard_create(
        code="service.callback.vip",
        name="贵宾回电",
        name_en="VIP call-back",
        area="service",
        terms=StandardTerms(amount=30, unit="business_minutes", calendar_code="cn-mainland"),
        acting_user=admin,
        now=NOW,
    )
    clock = sla_clock_start(
        subject=SUBJECT,
        standard_code="service.callback.vip",
        assignee=team.adjuster,
        acting_user=None,
        now=NOW,
    )
    assert clock.due_at == at(2026, 3, 2, 9, 30)
    assert standard.versions.get().created_by == admin
    with pytest.raises(StandardExists):
        sla_standard_create(
            code="service.callback.vip",
            name="x",
            name_en="x",
            area="service",
            terms=StandardTerms(amount=1, unit="working_days", calendar_code="cn-mainland"),
            acting_user=admin,
            now=NOW,
        )
    with pytest.raises(ValidationFailed) as caught:
        sla_standard_create(
            code="Bad Code",
            name="",
            name_en="x",
            area="nowhere",
            terms=StandardTerms(amount=1, unit="working_days", calendar_code="cn-mainland"),
            acting_user=admin,
            now=NOW,
        )
    assert [(f.field, f.rule) for f in caught.value.fields] == [
        ("code", "format"),
        ("name", "required"),
        ("area", "choice"),
    ]


def test_describe_renames_and_deactivates(admin):
    standard = sla_standard_describe(
        code="claims.registration",
        name="立案",
        name_en="Registration",
        is_active=False,
        acting_user=admin,
        now=NOW,
    )
    standard.refresh_from_db()
    assert (standard.name, standard.name_en, standard.is_active) == ("立案", "Registration", False)


def test_an_explicit_re_plan_moves_running_clocks_to_the_new_version(team, admin):
    # given a running and a paused clock under version 1 (3 WD from Monday 2 March 09:00)
    running = sla_clock_start(
        subject=SUBJECT,
        standard_code="claims.adjudication.simple",
        assignee=team.adjuster,
        acting_user=None,
        now=NOW,
    )
    paused = sla_clock_start(
        subject=("claims.claim", "C-2"),
        standard_code="claims.adjudication.simple",
        assignee=team.adjuster,
        acting_user=None,
        now=NOW,
    )
    sla_clock_pause(clock_id=paused.pk, reason="Waiting", acting_user=None, now=at(2026, 3, 2, 10))
    # and version 2 that allows 5 WD
    sla_standard_change(
        code="claims.adjudication.simple",
        terms=StandardTerms(amount=5, unit="working_days", calendar_code="cn-mainland"),
        acting_user=admin,
        now=at(2026, 3, 3, 9),
    )
    # when the administrator re-plans on Tuesday 09:00
    count = sla_standard_replan_running(
        standard_code="claims.adjudication.simple", acting_user=admin, now=at(2026, 3, 3, 9)
    )
    # then both move, with time used kept and old and new deadlines on record
    assert count == 2
    running.refresh_from_db()
    assert running.standard_version.number == 2
    assert running.due_at == at(2026, 3, 9, 17, 30)  # 5 WD from Monday 2 March
    assert running.consumed == 7 * 3600 + 1800  # Monday from 09:00, Tuesday 08:30-09:00
    row = SlaClockReplan.objects.get(clock=running)
    assert (row.reason, row.old_due_at, row.new_due_at, row.flagged) == (
        "standard",
        at(2026, 3, 5, 17, 30),
        at(2026, 3, 9, 17, 30),
        False,
    )
    paused.refresh_from_db()
    assert (paused.standard_version.number, paused.consumed, paused.allowed) == (
        2,
        3600,
        7 * 3600 + 5 * 27_000,  # Monday from 09:00, then 5 whole working days
    )
    # and running it again finds nothing left to do
    assert (
        sla_standard_replan_running(
            standard_code="claims.adjudication.simple", acting_user=admin, now=at(2026, 3, 3, 10)
        )
        == 0
    )


def test_a_re_plan_never_un_breaches_a_late_clock(team, admin):
    clock = sla_clock_start(
        subject=SUBJECT,
        standard_code="claims.adjudication.simple",
        assignee=team.adjuster,
        acting_user=None,
        now=NOW,
    )
    sla_standard_change(
        code="claims.adjudication.simple",
        terms=StandardTerms(amount=10, unit="working_days", calendar_code="cn-mainland"),
        acting_user=admin,
        now=at(2026, 3, 6, 9),
    )
    sla_standard_replan_running(
        standard_code="claims.adjudication.simple", acting_user=admin, now=at(2026, 3, 6, 9)
    )
    clock.refresh_from_db()
    assert (clock.due_at, clock.breached_at, clock.review_needed) == (
        at(2026, 3, 5, 17, 30),
        at(2026, 3, 5, 17, 30),
        True,
    )
    assert SlaClockReplan.objects.get(clock=clock).flagged is True


def test_only_an_administrator_re_plans(team):
    with pytest.raises(StandardsAdminOnly):
        sla_standard_replan_running(
            standard_code="claims.adjudication.simple", acting_user=team.head, now=NOW
        )
