"""KPI selectors: the two populations (stopped in the period, due in the period), grouping by
person, department and standard, the monthly series, and one query per table."""

from decimal import Decimal

import pytest

from coverdesk.accounts.models import Department
from coverdesk.core.exceptions import ValidationFailed
from coverdesk.sla.calculations import ClockOutcome, kpis
from coverdesk.sla.selectors.kpis import (
    KpiPeriod,
    kpi_months,
    kpi_rows,
    kpi_table,
)
from coverdesk.sla.services.clocks import sla_clock_stop
from coverdesk.sla.tests.clock_factories import at, make_team
from coverdesk.sla.tests.kpi_factories import GENERAL, NOVEMBER_AS_OF, clock_start, make_november

pytestmark = pytest.mark.django_db

NOVEMBER = KpiPeriod(2026, 11)
AS_OF = NOVEMBER_AS_OF
A_SHARE = Decimal("0.5862")  # stopped 11-03 10:00: 8.5 h used
B_SHARE = Decimal("1.0345")  # stopped 11-04 09:00: 15 h used


@pytest.fixture
def november(db):
    team = make_team()
    make_november(team)
    return team


def _figures(row):
    return {
        "completed": row.completed,
        "met": row.met,
        "missed": row.missed,
        "due": row.due,
        "compliant": row.compliant,
        "breaches": row.breaches,
        "open_past_due": row.open_past_due,
        "pending": row.pending,
        "on_time_rate": row.on_time_rate,
        "compliance_rate": row.compliance_rate,
        "average_share_used": row.average_share_used,
    }


def test_period_parse_and_bounds():
    november = KpiPeriod.parse("2026-11")
    year = KpiPeriod.parse(" 2026 ")

    assert (november.year, november.month, str(november)) == (2026, 11, "2026-11")
    assert (november.start, november.end) == (at(2026, 11, 1), at(2026, 12, 1))
    assert (KpiPeriod(2026, 12).end, year.start, year.end) == (
        at(2027, 1, 1),
        at(2026, 1, 1),
        at(2027, 1, 1),
    )
    assert (KpiPeriod(2026, 1).previous(), year.previous()) == (
        KpiPeriod(2025, 12),
        KpiPeriod(2025),
    )
    assert KpiPeriod.of(at(2026, 11, 30, 23, 59)) == KpiPeriod(2026, 11)


@pytest.mark.parametrize("text", ["2026-13", "2026-1", "26-11", "2026/11", "", "2026-00"])
def test_period_parse_names_the_field(text):
    with pytest.raises(ValidationFailed) as caught:
        KpiPeriod.parse(text)

    assert [(f.field, f.rule) for f in caught.value.fields] == [("period", "format")]


def test_by_person_counts_each_population_once(november, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = kpi_rows(period=NOVEMBER, group_by="person", as_of=AS_OF)

    assert [(r.key, r.code) for r in rows] == [
        (november.adjuster.pk, "adjuster"),
        (november.stranger.pk, "stranger"),
    ]
    adjuster, stranger = rows
    assert _figures(adjuster) == {
        "completed": 2,
        "met": 1,
        "missed": 1,
        "due": 3,  # A met, B late, C open past due
        "compliant": 1,
        "breaches": 2,
        "open_past_due": 1,
        "pending": 1,  # G, paused before its deadline
        "on_time_rate": Decimal("0.5000"),
        "compliance_rate": Decimal("0.3333"),
        "average_share_used": Decimal("0.8104"),  # (0.5862 + 1.0345) / 2 = 0.81035, half up
    }
    assert adjuster.share_sum == A_SHARE + B_SHARE
    assert _figures(stranger) == {
        "completed": 0,  # D stopped in December
        "met": 0,
        "missed": 0,
        "due": 1,
        "compliant": 0,
        "breaches": 1,
        "open_past_due": 0,
        "pending": 0,
        "on_time_rate": None,
        "compliance_rate": Decimal("0.0000"),
        "average_share_used": None,
    }


def test_the_completed_population_agrees_with_the_pure_kpis(november):
    # Where the populations coincide (stopped clocks due and stopped in the month), the
    # selector and S2's pure function give the same rates.
    row = kpi_rows(period=NOVEMBER, group_by="person", as_of=AS_OF)[0]
    pure = kpis(
        [
            ClockOutcome(met=True, share=A_SHARE),
            ClockOutcome(met=False, share=B_SHARE),
        ]
    )

    assert (row.on_time_rate, row.average_share_used, row.missed) == (
        pure.on_time_rate,
        pure.average_share_used,
        pure.missed,
    )


def test_by_standard_and_by_department(november):
    by_standard = kpi_rows(period=NOVEMBER, group_by="standard", as_of=AS_OF)
    by_department = kpi_rows(period=NOVEMBER, group_by="department", as_of=AS_OF)

    assert [
        (r.code, r.label_en, r.completed, r.due, r.breaches, r.pending) for r in by_standard
    ] == [
        ("claims.registration", "Claim registration, from complete materials", 0, 1, 1, 1),
        ("service.question.general", "General question answered", 2, 3, 2, 0),
    ]
    claims = Department.objects.get(code="claims")
    assert [(r.key, r.code, r.completed, r.due, r.breaches) for r in by_department] == [
        (claims.pk, "claims", 2, 4, 3)
    ]


def test_the_table_total_sums_the_rows(november, django_assert_num_queries):
    with django_assert_num_queries(1):
        table = kpi_table(period=NOVEMBER, group_by="person", as_of=AS_OF)

    assert _figures(table.total) == {
        "completed": 2,
        "met": 1,
        "missed": 1,
        "due": 4,
        "compliant": 1,
        "breaches": 3,
        "open_past_due": 1,
        "pending": 1,
        "on_time_rate": Decimal("0.5000"),
        "compliance_rate": Decimal("0.2500"),
        "average_share_used": Decimal("0.8104"),
    }
    assert (table.total.key, table.complaints_share) == (None, None)


def test_an_open_clock_is_a_breach_only_once_past_due(november):
    before_c_due = at(2026, 11, 10, 17, 30)  # C is due exactly then: not yet breached

    row = kpi_rows(period=NOVEMBER, group_by="person", as_of=before_c_due)[0]

    assert (row.due, row.open_past_due, row.pending) == (2, 0, 2)


def test_a_year_period_and_filters(november):
    year = kpi_rows(period=KpiPeriod(2026), group_by="person", as_of=AS_OF)
    mine = kpi_rows(
        period=KpiPeriod(2026), group_by="standard", as_of=AS_OF, user_id=november.stranger.pk
    )
    other_department = kpi_rows(
        period=NOVEMBER,
        group_by="person",
        as_of=AS_OF,
        department_id=Department.objects.get(code="sales").pk,
    )

    # The year holds D's completion (December) and E (due December, open past due at AS_OF).
    assert [(r.code, r.completed, r.due, r.breaches) for r in year] == [
        ("adjuster", 2, 3, 2),
        ("head", 0, 1, 1),
        ("stranger", 1, 1, 1),
    ]
    assert [(r.code, r.completed, r.missed) for r in mine] == [("service.question.general", 1, 1)]
    assert other_department == []


def test_unassigned_clocks_have_their_own_row(db):
    clock = clock_start(GENERAL, None, at(2026, 11, 2, 9))
    sla_clock_stop(clock_id=clock.pk, acting_user=None, now=at(2026, 11, 2, 10))

    rows = kpi_rows(period=NOVEMBER, group_by="person", as_of=AS_OF)
    departments = kpi_rows(period=NOVEMBER, group_by="department", as_of=AS_OF)

    assert [(r.key, r.code, r.label_en, r.met) for r in rows] == [(None, "", "Unassigned", 1)]
    assert [(r.key, r.label_en) for r in departments] == [(None, "No department")]


def test_bad_group_by_names_the_field(db):
    with pytest.raises(ValidationFailed) as caught:
        kpi_rows(period=NOVEMBER, group_by="team", as_of=AS_OF)

    assert [(f.field, f.rule) for f in caught.value.fields] == [("group_by", "choice")]


def test_months_series(november, django_assert_num_queries):
    with django_assert_num_queries(2):
        months = kpi_months(year=2026, as_of=AS_OF)

    assert [m.code for m in months][:2] == ["2026-01", "2026-02"]
    assert len(months) == 12
    assert [
        (m.key, m.completed, m.met, m.due, m.compliant, m.open_past_due, m.pending)
        for m in months
        if m.completed or m.due or m.pending
    ] == [
        (11, 2, 1, 4, 1, 1, 1),
        (12, 1, 0, 1, 0, 1, 0),  # D completed late; E due 12-01 and open past due
    ]
