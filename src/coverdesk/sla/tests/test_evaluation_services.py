"""Monthly evaluation: the day the job runs (working days on cn-mainland), the star rule, the
freeze (figures, penalty points, idempotence, audit), the explicit re-freeze, the rule, and the
annual sum."""

import threading
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection

from coverdesk.audit.models import AuditEntry
from coverdesk.core.exceptions import NotFound, ValidationFailed
from coverdesk.sla.models import EvaluationRule, MonthlyEvaluation, MonthlyEvaluationLine
from coverdesk.sla.selectors.evaluations import (
    evaluation_annual,
    evaluation_day,
    evaluation_get,
    evaluation_lines,
    evaluation_rule_get,
)
from coverdesk.sla.selectors.kpis import KpiPeriod, KpiRow, kpi_figures
from coverdesk.sla.services.clocks import sla_clock_stop
from coverdesk.sla.services.evaluations import (
    EvaluationRuleAdminOnly,
    EvaluationsAdminOnly,
    evaluation_job_register,
    evaluation_rule_update,
    monthly_evaluation_freeze,
    monthly_evaluation_refreeze,
    penalty_points,
    sla_evaluation_job,
    star_choose,
)
from coverdesk.sla.tests.clock_factories import at, audit_actions, make_team
from coverdesk.sla.tests.kpi_factories import GENERAL, clock_start, make_november

NOVEMBER = KpiPeriod(2026, 11)
FREEZE_AT = at(2026, 12, 7, 9)  # the 5th working day of December 2026


def grant(user, codename="manage_evaluations"):
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="sla", codename=codename)
    )
    return type(user).objects.get(pk=user.pk)  # fresh permission cache


@pytest.fixture
def team(db):
    return make_team()


@pytest.fixture
def november(team):
    make_november(team)
    return team


@pytest.fixture
def evaluator(role_user):
    manager = role_user("manager")
    grant(manager, "change_evaluationrule")
    return grant(manager)


# The day ----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("month", "day"),
    [
        (1, "2026-01-08"),  # New Year 1–3 off, Sunday the 4th an adjusted working day
        (2, "2026-02-06"),
        (5, "2026-05-11"),  # Labour Day 1–5 off, Saturday the 9th worked
        (10, "2026-10-13"),  # National Day 1–7 off, Saturday the 10th worked
        (11, "2026-11-06"),
    ],
)
def test_the_fifth_working_day_on_cn_mainland(month, day):
    rule = evaluation_rule_get()

    assert evaluation_day(period=KpiPeriod(2026, month), rule=rule).isoformat() == day


@pytest.mark.django_db
def test_the_seeded_rule():
    rule = evaluation_rule_get()

    assert (
        rule.evaluation_working_day,
        rule.calendar.code,
        rule.star_metric,
        rule.star_min_clocks,
        rule.penalty_points_per_breach,
    ) == (5, "cn-mainland", "on_time_rate", 5, Decimal("1.00"))


# The star rule (pure) ---------------------------------------------------------------------


def _row(key, code, *, completed, met, share, due=None, compliant=None):
    return kpi_figures(
        key=key,
        code=code,
        label=code,
        label_en=code,
        completed=completed,
        met=met,
        share_sum=Decimal(share) * completed,
        due=completed if due is None else due,
        compliant=met if compliant is None else compliant,
        open_past_due=0,
    )


def test_the_star_is_the_best_on_time_rate_with_enough_clocks():
    rows = [
        _row(1, "ann", completed=4, met=4, share="0.5"),  # perfect but too few
        _row(2, "bo", completed=10, met=9, share="0.7"),
        _row(3, "cy", completed=20, met=19, share="0.6"),  # 0.95 beats 0.90
        _row(None, "", completed=50, met=50, share="0.1"),  # unassigned never wins
    ]

    assert star_choose(rows, metric="on_time_rate", min_clocks=5).code == "cy"
    assert star_choose(rows, metric="on_time_rate", min_clocks=3).code == "ann"
    assert star_choose(rows, metric="on_time_rate", min_clocks=21) is None


def test_star_ties_go_to_the_lower_share_used_then_more_clocks_then_code():
    by_share = [
        _row(1, "ann", completed=10, met=10, share="0.8"),
        _row(2, "bo", completed=10, met=10, share="0.6"),
    ]
    by_count = [
        _row(1, "ann", completed=10, met=10, share="0.6"),
        _row(2, "bo", completed=20, met=20, share="0.6"),
    ]
    by_code = [
        _row(2, "bo", completed=10, met=10, share="0.6"),
        _row(1, "ann", completed=10, met=10, share="0.6"),
    ]

    assert star_choose(by_share, metric="on_time_rate", min_clocks=5).code == "bo"
    assert star_choose(by_count, metric="on_time_rate", min_clocks=5).code == "bo"
    assert star_choose(by_code, metric="on_time_rate", min_clocks=5).code == "ann"


def test_the_star_by_compliance_counts_decided_clocks():
    rows = [
        _row(1, "ann", completed=10, met=10, share="0.5", due=4, compliant=4),
        _row(2, "bo", completed=1, met=0, share="1.2", due=8, compliant=7),
    ]

    assert star_choose(rows, metric="compliance_rate", min_clocks=5).code == "bo"
    assert star_choose(rows, metric="on_time_rate", min_clocks=5).code == "ann"


@pytest.mark.parametrize(
    ("breaches", "per_breach", "points"),
    [(0, "1.00", "0.00"), (3, "1.00", "3.00"), (3, "0.50", "1.50"), (7, "2.25", "15.75")],
)
def test_penalty_points(breaches, per_breach, points):
    assert penalty_points(breaches, Decimal(per_breach)) == Decimal(points)


# Freezing ---------------------------------------------------------------------------------


def _line(group, code):
    return MonthlyEvaluationLine.objects.get(evaluation__year=2026, group=group, code=code)


def test_freeze_writes_lines_stars_and_points(november, evaluator):
    evaluation_rule_update(
        evaluation_working_day=5,
        calendar_code="cn-mainland",
        star_metric="on_time_rate",
        star_min_clocks=2,
        penalty_points_per_breach="1.50",
        acting_user=evaluator,
        now=at(2026, 12, 1),
    )

    result = monthly_evaluation_freeze(period=NOVEMBER, acting_user=evaluator, now=FREEZE_AT)

    evaluation = result.evaluation
    assert result.created is True
    assert (evaluation.period_code, evaluation.revision, evaluation.as_of) == (
        "2026-11",
        1,
        FREEZE_AT,
    )
    assert (evaluation.completed, evaluation.due, evaluation.breaches) == (2, 4, 3)
    assert (evaluation.penalty_points, evaluation.on_time_rate, evaluation.compliance_rate) == (
        Decimal("4.50"),
        Decimal("0.5000"),
        Decimal("0.2500"),
    )
    assert (evaluation.star, evaluation.team_star.code) == (november.adjuster, "claims")
    assert evaluation.rule == {
        "evaluation_working_day": 5,
        "calendar": "cn-mainland",
        "star_metric": "on_time_rate",
        "star_min_clocks": 2,
        "penalty_points_per_breach": "1.50",
    }
    lines = evaluation_lines(evaluation_id=evaluation.pk)
    assert [
        (line.group, line.code, line.breaches, line.penalty_points, line.is_star) for line in lines
    ] == [
        ("department", "claims", 3, Decimal("4.50"), True),
        ("person", "adjuster", 2, Decimal("3.00"), True),
        ("person", "stranger", 1, Decimal("1.50"), False),
        ("standard", "claims.registration", 1, Decimal("1.50"), False),
        ("standard", "service.question.general", 2, Decimal("3.00"), False),
    ]
    adjuster = _line("person", "adjuster")
    assert (
        adjuster.user,
        adjuster.completed,
        adjuster.met,
        adjuster.share_sum,
        adjuster.average_share_used,
        adjuster.pending,
    ) == (november.adjuster, 2, 1, Decimal("1.6207"), Decimal("0.8104"), 1)
    assert audit_actions()[-1] == "sla.evaluation.freeze"
    entry = AuditEntry.objects.order_by("-sequence").first()
    assert (entry.actor_id, entry.subject_id, entry.after["breaches"], entry.after["lines"]) == (
        evaluator.pk,
        str(evaluation.pk),
        3,
        5,
    )


def test_freezing_twice_changes_nothing(november, evaluator):
    first = monthly_evaluation_freeze(period=NOVEMBER, acting_user=None, now=FREEZE_AT).evaluation
    audit_count = AuditEntry.objects.count()
    # The clocks move on; the frozen month must not.
    clock = november.adjuster.sla_clocks.get(subject_id="C")
    sla_clock_stop(clock_id=clock.pk, acting_user=november.adjuster, now=at(2026, 12, 8))
    audit_count += 1

    again = monthly_evaluation_freeze(period=NOVEMBER, acting_user=evaluator, now=at(2026, 12, 9))

    assert again.created is False
    assert again.evaluation.pk == first.pk
    assert MonthlyEvaluation.objects.count() == 1
    fresh = MonthlyEvaluation.objects.get()
    assert (fresh.revision, fresh.frozen_at, fresh.frozen_by, fresh.open_past_due) == (
        1,
        FREEZE_AT,
        None,
        1,
    )
    assert MonthlyEvaluationLine.objects.count() == 5
    assert AuditEntry.objects.count() == audit_count


def test_the_default_rule_proposes_no_star_with_too_few_clocks(november):
    evaluation = monthly_evaluation_freeze(
        period=NOVEMBER, acting_user=None, now=FREEZE_AT
    ).evaluation

    assert (evaluation.star, evaluation.team_star) == (None, None)
    assert evaluation.penalty_points == Decimal("3.00")
    assert not MonthlyEvaluationLine.objects.filter(is_star=True).exists()


def test_a_month_not_over_cannot_be_frozen(november, evaluator):
    with pytest.raises(ValidationFailed) as caught:
        monthly_evaluation_freeze(
            period=NOVEMBER, acting_user=evaluator, now=at(2026, 11, 30, 23, 59)
        )

    assert [(f.field, f.rule) for f in caught.value.fields] == [("period", "not_over")]
    assert MonthlyEvaluation.objects.count() == 0


def test_a_year_is_not_a_month(evaluator):
    with pytest.raises(ValidationFailed) as caught:
        monthly_evaluation_freeze(period=KpiPeriod(2025), acting_user=evaluator, now=FREEZE_AT)

    assert [(f.field, f.rule) for f in caught.value.fields] == [("period", "month_required")]


@pytest.mark.parametrize("role", ["head", "clerk", "auditor"])
def test_freezing_needs_the_permission(november, role_user, role):
    before = AuditEntry.objects.count()

    with pytest.raises(EvaluationsAdminOnly):
        monthly_evaluation_freeze(period=NOVEMBER, acting_user=role_user(role), now=FREEZE_AT)

    assert (MonthlyEvaluation.objects.count(), AuditEntry.objects.count()) == (0, before)


# Re-freezing ------------------------------------------------------------------------------


def test_refreeze_recomputes_with_an_audited_reason(november, evaluator):
    monthly_evaluation_freeze(period=NOVEMBER, acting_user=None, now=FREEZE_AT)
    clock = november.adjuster.sla_clocks.get(subject_id="C")
    sla_clock_stop(clock_id=clock.pk, acting_user=november.adjuster, now=at(2026, 12, 8))

    evaluation = monthly_evaluation_refreeze(
        period=NOVEMBER,
        reason="  C was stopped late after the freeze  ",
        acting_user=evaluator,
        now=at(2026, 12, 9),
    )

    # C is no longer open past due but a late completion of December: still a November breach.
    assert (evaluation.revision, evaluation.open_past_due, evaluation.breaches) == (2, 0, 3)
    assert (evaluation.frozen_by, evaluation.frozen_at, evaluation.refreeze_reason) == (
        evaluator,
        at(2026, 12, 9),
        "C was stopped late after the freeze",
    )
    assert MonthlyEvaluationLine.objects.count() == 5
    assert _line("person", "adjuster").open_past_due == 0
    entry = AuditEntry.objects.order_by("-sequence").first()
    assert entry.action == "sla.evaluation.refreeze"
    assert (entry.before["revision"], entry.after["revision"], entry.after["reason"]) == (
        1,
        2,
        "C was stopped late after the freeze",
    )


def test_refreeze_needs_a_reason_a_frozen_month_and_the_permission(november, evaluator, role_user):
    with pytest.raises(NotFound):
        monthly_evaluation_refreeze(
            period=NOVEMBER, reason="again", acting_user=evaluator, now=FREEZE_AT
        )
    monthly_evaluation_freeze(period=NOVEMBER, acting_user=None, now=FREEZE_AT)
    with pytest.raises(ValidationFailed) as caught:
        monthly_evaluation_refreeze(
            period=NOVEMBER, reason=" ", acting_user=evaluator, now=FREEZE_AT
        )
    with pytest.raises(EvaluationsAdminOnly):
        monthly_evaluation_refreeze(
            period=NOVEMBER, reason="again", acting_user=role_user("head"), now=FREEZE_AT
        )

    assert [(f.field, f.rule) for f in caught.value.fields] == [("reason", "required")]
    assert MonthlyEvaluation.objects.get().revision == 1


# The job ----------------------------------------------------------------------------------


def test_the_job_freezes_the_previous_month_once_from_its_day(november):
    assert sla_evaluation_job(at(2026, 12, 4, 23, 59)) == 0  # Friday, only the 4th working day
    assert MonthlyEvaluation.objects.count() == 0

    assert sla_evaluation_job(at(2026, 12, 7, 0, 5)) == 1
    assert sla_evaluation_job(at(2026, 12, 7, 1, 5)) == 0
    assert sla_evaluation_job(at(2026, 12, 28)) == 0

    evaluation = evaluation_get(period=NOVEMBER)
    assert (evaluation.frozen_by, evaluation.as_of, evaluation.revision) == (
        None,
        at(2026, 12, 7, 0, 5),
        1,
    )


def test_the_job_follows_the_rule(november, evaluator):
    evaluation_rule_update(
        evaluation_working_day=1,
        calendar_code="cn-mainland",
        star_metric="compliance_rate",
        star_min_clocks=1,
        penalty_points_per_breach="2",
        acting_user=evaluator,
        now=at(2026, 11, 20),
    )

    assert sla_evaluation_job(at(2026, 12, 1, 8)) == 1  # Tuesday the 1st is the 1st working day
    evaluation = evaluation_get(period=NOVEMBER)
    assert (evaluation.rule["star_metric"], evaluation.penalty_points) == (
        "compliance_rate",
        Decimal("6.00"),
    )
    # Compliance: adjuster 1 of 3, stranger 0 of 1 → the adjuster.
    assert evaluation.star == november.adjuster


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_freeze_a_month_once():
    team = make_team()
    clock = clock_start(GENERAL, team.adjuster, at(2026, 11, 2, 9))
    sla_clock_stop(clock_id=clock.pk, acting_user=team.adjuster, now=at(2026, 11, 2, 10))
    barrier = threading.Barrier(2)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(sla_evaluation_job(at(2026, 12, 7, 9)))
        except Exception as exc:  # the test reports it below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(results) == [0, 1]
    assert MonthlyEvaluation.objects.count() == 1
    assert AuditEntry.objects.filter(action="sla.evaluation.freeze").count() == 1


# The rule ---------------------------------------------------------------------------------


def test_rule_update_is_audited(evaluator):
    rule = evaluation_rule_update(
        evaluation_working_day=3,
        calendar_code="7x24",
        star_metric="compliance_rate",
        star_min_clocks=10,
        penalty_points_per_breach="0.5",
        acting_user=evaluator,
        now=at(2026, 11, 20),
    )

    rule.refresh_from_db()
    assert (rule.evaluation_working_day, rule.calendar.code, rule.penalty_points_per_breach) == (
        3,
        "7x24",
        Decimal("0.50"),
    )
    assert rule.updated_by == evaluator
    entry = AuditEntry.objects.order_by("-sequence").first()
    assert (entry.action, entry.before["star_metric"], entry.after["star_metric"]) == (
        "sla.evaluation_rule.update",
        "on_time_rate",
        "compliance_rate",
    )


def test_rule_update_names_every_bad_field_and_changes_nothing(evaluator):
    before = AuditEntry.objects.count()

    with pytest.raises(ValidationFailed) as caught:
        evaluation_rule_update(
            evaluation_working_day=0,
            calendar_code="mars",
            star_metric="speed",
            star_min_clocks=0,
            penalty_points_per_breach="1.005",
            acting_user=evaluator,
        )

    assert [(f.field, f.rule) for f in caught.value.fields] == [
        ("evaluation_working_day", "range"),
        ("calendar", "unknown"),
        ("star_metric", "choice"),
        ("star_min_clocks", "range"),
        ("penalty_points_per_breach", "range"),
    ]
    rule = EvaluationRule.objects.get()
    assert (rule.evaluation_working_day, rule.star_metric, rule.updated_by) == (
        5,
        "on_time_rate",
        None,
    )
    assert AuditEntry.objects.count() == before


def test_rule_update_needs_the_permission(role_user):
    freezer = grant(role_user("manager"))  # freezing months is not changing the rule
    with pytest.raises(EvaluationRuleAdminOnly):
        evaluation_rule_update(
            evaluation_working_day=3,
            calendar_code="cn-mainland",
            star_metric="on_time_rate",
            star_min_clocks=5,
            penalty_points_per_breach="1",
            acting_user=freezer,
        )
    with pytest.raises(EvaluationRuleAdminOnly):
        evaluation_rule_update(
            evaluation_working_day=3,
            calendar_code="cn-mainland",
            star_metric="on_time_rate",
            star_min_clocks=5,
            penalty_points_per_breach="1",
            acting_user=role_user("head"),
        )

    assert EvaluationRule.objects.get().evaluation_working_day == 5


# The year ---------------------------------------------------------------------------------


def test_the_annual_evaluation_sums_the_frozen_months(november, django_assert_num_queries):
    adjuster = november.adjuster
    october = clock_start(GENERAL, adjuster, at(2026, 10, 12, 9), "O")
    sla_clock_stop(clock_id=october.pk, acting_user=adjuster, now=at(2026, 10, 12, 10))
    monthly_evaluation_freeze(period=KpiPeriod(2026, 10), acting_user=None, now=FREEZE_AT)
    monthly_evaluation_freeze(period=NOVEMBER, acting_user=None, now=FREEZE_AT)

    with django_assert_num_queries(2):
        year = evaluation_annual(year=2026, group="person")

    assert year.months == [10, 11]
    assert [
        (
            r.figures.code,
            r.figures.completed,
            r.figures.met,
            r.figures.due,
            r.figures.breaches,
            r.months,
        )
        for r in year.rows
    ] == [("adjuster", 3, 2, 4, 2, 2), ("stranger", 0, 0, 1, 1, 1)]
    adjuster_row = year.rows[0]
    assert (adjuster_row.figures.on_time_rate, adjuster_row.figures.compliance_rate) == (
        Decimal("0.6667"),
        Decimal("0.5000"),
    )
    assert (adjuster_row.penalty_points, year.penalty_points, year.total.breaches) == (
        Decimal("2.00"),
        Decimal("3.00"),
        3,
    )
    assert isinstance(year.total, KpiRow)


def test_the_annual_evaluation_of_a_department_head(november):
    monthly_evaluation_freeze(period=NOVEMBER, acting_user=None, now=FREEZE_AT)
    claims = november.claims.pk

    people = evaluation_annual(year=2026, group="person", department_id=claims)
    standards = evaluation_annual(year=2026, group="standard", department_id=claims)
    elsewhere = evaluation_annual(year=2026, group="person", department_id=claims + 1000)

    assert [r.figures.code for r in people.rows] == ["adjuster", "stranger"]
    assert (standards.rows, elsewhere.rows) == ([], [])


def test_annual_group_names_the_field(db):
    with pytest.raises(ValidationFailed) as caught:
        evaluation_annual(year=2026, group="team")

    assert [(f.field, f.rule) for f in caught.value.fields] == [("group", "choice")]


def test_the_job_registers_with_the_worker(monkeypatch):
    from coverdesk.core import jobs

    monkeypatch.setattr(jobs, "_registry", {})
    evaluation_job_register()

    assert [(job.name, job.interval_seconds, job.run) for job in jobs.registered()] == [
        ("sla.monthly_evaluation", 3600, sla_evaluation_job)
    ]
