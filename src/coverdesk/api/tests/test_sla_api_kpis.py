"""KPIs, their Excel export and the evaluations over the API: the figures, the department
scope of a head, the workbook cell by cell, freezing (201, then 200 unchanged), re-freezing,
the rule, and bad input as 422 naming the field."""

import io
from datetime import datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from coverdesk.accounts.tests.factories import make_user
from coverdesk.api.tests.sla_world import call, client_for, state
from coverdesk.audit.models import AuditEntry
from coverdesk.reports.exports import XLSX_CONTENT_TYPE
from coverdesk.sla.models import EvaluationRule, MonthlyEvaluation
from coverdesk.sla.tests.clock_factories import at, make_team
from coverdesk.sla.tests.kpi_factories import make_november, sla_role_permissions_ensure

pytestmark = pytest.mark.django_db

NOW = at(2026, 12, 7, 9)  # the 5th working day of December
NOVEMBER = "period=2026-11"


@pytest.fixture
def team(monkeypatch):
    sla_role_permissions_ensure()
    monkeypatch.setattr("coverdesk.core.clock.now", lambda: NOW)
    team = make_team()
    for user, name in ((team.adjuster, "张伟"), (team.stranger, "李娜")):
        user.first_name, user.last_name = name, ""
        user.save()
    make_november(team)
    return team


@pytest.fixture
def manager(team):
    return client_for(team.manager)


def _same_instants(body):
    return {
        k: datetime.fromisoformat(v) if k in ("as_of", "frozen_at") else v for k, v in body.items()
    }


def _fields(response):
    return [(f["field"], f["rule"]) for f in response.json()["fields"]]


def test_kpis_by_person(manager, team):
    body = call(manager, "get", f"/api/v1/sla/kpis?{NOVEMBER}&group_by=person").json()

    assert (body["period"], body["group_by"], body["department_id"]) == ("2026-11", "person", None)
    assert body["complaints_share"] is None
    adjuster = body["rows"][0]
    assert adjuster == {
        "key": team.adjuster.pk,
        "code": "adjuster",
        "label": "张伟",
        "label_en": "张伟",
        "completed": 2,
        "met": 1,
        "missed": 1,
        "on_time_rate": "0.5000",
        "average_share_used": "0.8104",
        "due": 3,
        "compliant": 1,
        "breaches": 2,
        "open_past_due": 1,
        "pending": 1,
        "compliance_rate": "0.3333",
    }
    assert (body["total"]["due"], body["total"]["breaches"], body["total"]["code"]) == (4, 3, "")


def test_a_head_sees_their_department_only(team):
    head = client_for(make_user("head"))  # in claims
    sales = make_user("broker").department_id

    own = call(head, "get", f"/api/v1/sla/kpis?{NOVEMBER}&group_by=department").json()
    other = call(head, "get", f"/api/v1/sla/kpis?{NOVEMBER}&department={sales}")

    assert (own["department_id"], [r["code"] for r in own["rows"]]) == (
        team.claims.pk,
        ["claims"],
    )
    assert (other.status_code, other.json()["code"]) == (403, "sla_kpis_not_allowed")


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ("period=2026-13", [("period", "format")]),
        ("period=last-month", [("period", "format")]),
        ("", [("period", "required")]),
        (f"{NOVEMBER}&group_by=team", [("group_by", "choice")]),
        (f"{NOVEMBER}&department=x", [("department", "integer")]),
    ],
)
def test_bad_kpi_queries_name_the_parameter(manager, query, fields):
    response = call(manager, "get", f"/api/v1/sla/kpis?{query}")

    assert (response.status_code, _fields(response)) == (422, fields)


def test_the_kpi_workbook(manager):
    response = call(manager, "get", f"/api/v1/sla/kpis.xlsx?{NOVEMBER}&group_by=person")

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"] == (
        'attachment; filename="timeliness-kpis-2026-11-person.xlsx"'
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert cells[1:] == [
        ["张伟", "adjuster", 2, 1, 1, 0.5, 0.8104, 3, 1, 2, 1, 1, 0.3333],
        ["李娜", "stranger", 0, 0, 0, None, None, 1, 0, 1, 0, 0, 0],
        # The workbook speaks the caller's language: Chinese unless the request asks otherwise.
        ["合计", None, 2, 1, 1, 0.5, 0.8104, 4, 1, 3, 1, 1, 0.25],
    ]
    assert sheet["F2"].number_format == "0.00%"
    assert sheet["A1"].font.b is True


def test_kpi_months(manager):
    body = call(manager, "get", "/api/v1/sla/kpis/months?year=2026").json()

    assert [r["code"] for r in body] == [f"2026-{m:02d}" for m in range(1, 13)]
    assert (body[10]["completed"], body[10]["due"], body[11]["completed"]) == (2, 4, 1)


def test_freezing_a_month_then_reading_it(manager, team):
    before = AuditEntry.objects.count()

    frozen = call(manager, "post", "/api/v1/sla/evaluations", {"period": "2026-11"})
    again = call(manager, "post", "/api/v1/sla/evaluations", {"period": "2026-11"})
    detail = call(manager, "get", "/api/v1/sla/evaluations/2026-11?group=person").json()
    listed = call(manager, "get", "/api/v1/sla/evaluations").json()

    assert (frozen.status_code, again.status_code) == (201, 200)
    assert _same_instants(frozen.json()) == _same_instants(again.json())
    assert AuditEntry.objects.count() == before + 1
    assert (detail["period"], detail["revision"], detail["frozen_by"]) == ("2026-11", 1, "manager")
    assert (detail["breaches"], detail["penalty_points"], detail["star_id"]) == (3, "3.00", None)
    assert [
        (line["code"], line["breaches"], line["penalty_points"]) for line in detail["lines"]
    ] == [
        ("adjuster", 2, "2.00"),
        ("stranger", 1, "1.00"),
    ]
    assert [e["period"] for e in listed["items"]] == ["2026-11"]


def test_freezing_bad_input(manager):
    before = state()

    not_over = call(manager, "post", "/api/v1/sla/evaluations", {"period": "2026-12"})
    bad = call(manager, "post", "/api/v1/sla/evaluations", {"period": "Nov"})
    missing = call(manager, "post", "/api/v1/sla/evaluations", {})
    unfrozen = call(manager, "get", "/api/v1/sla/evaluations/2026-10")

    assert (not_over.status_code, _fields(not_over)) == (422, [("period", "not_over")])
    assert (bad.status_code, _fields(bad)) == (422, [("period", "format")])
    assert (missing.status_code, _fields(missing)) == (422, [("period", "required")])
    assert (unfrozen.status_code, unfrozen.json()["code"]) == (404, "sla_evaluation_not_found")
    assert state() == before


def test_refreeze_and_the_annual_sum(manager):
    call(manager, "post", "/api/v1/sla/evaluations", {"period": "2026-11"})

    empty = call(manager, "post", "/api/v1/sla/evaluations/2026-11/refreeze", {"reason": ""})
    refrozen = call(
        manager, "post", "/api/v1/sla/evaluations/2026-11/refreeze", {"reason": "Checked again"}
    )
    annual = call(manager, "get", "/api/v1/sla/evaluations/annual/2026?group=department").json()

    assert (empty.status_code, _fields(empty)) == (422, [("reason", "min_length")])
    assert refrozen.status_code == 200
    assert (refrozen.json()["revision"], refrozen.json()["refreeze_reason"]) == (
        2,
        "Checked again",
    )
    assert (
        annual["months"],
        [(r["code"], r["breaches"], r["months"]) for r in annual["rows"]],
    ) == (
        [11],
        [("claims", 3, 1)],
    )
    assert annual["penalty_points"] == "3.00"


def test_the_rule(team):
    administrator = make_user("admin")
    admin = client_for(administrator)
    rule = call(admin, "get", "/api/v1/sla/evaluation-rule").json()

    changed = call(
        admin,
        "put",
        "/api/v1/sla/evaluation-rule",
        {
            "evaluation_working_day": 3,
            "calendar": "cn-mainland",
            "star_metric": "compliance_rate",
            "star_min_clocks": 2,
            "penalty_points_per_breach": "0.5",
        },
    )

    assert (rule["evaluation_working_day"], rule["star_metric"], rule["updated_by"]) == (
        5,
        "on_time_rate",
        None,
    )
    assert changed.status_code == 200
    assert (changed.json()["penalty_points_per_breach"], changed.json()["updated_by"]) == (
        "0.50",
        administrator.username,
    )
    assert EvaluationRule.objects.get().penalty_points_per_breach == Decimal("0.50")


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"evaluation_working_day": 0}, [("evaluation_working_day", "min_value")]),
        ({"evaluation_working_day": 21}, [("evaluation_working_day", "max_value")]),
        ({"star_metric": "speed"}, [("star_metric", "choice")]),
        ({"calendar": "mars"}, [("calendar", "unknown")]),
        ({"penalty_points_per_breach": "-1"}, [("penalty_points_per_breach", "min_value")]),
    ],
)
def test_bad_rule_names_the_field_and_changes_nothing(team, change, fields):
    admin = client_for(make_user("admin"))
    before = state()
    body = {
        "evaluation_working_day": 5,
        "calendar": "cn-mainland",
        "star_metric": "on_time_rate",
        "star_min_clocks": 5,
        "penalty_points_per_breach": "1",
        **change,
    }

    response = call(admin, "put", "/api/v1/sla/evaluation-rule", body)

    assert (response.status_code, _fields(response)) == (422, fields)
    assert state() == before
    assert MonthlyEvaluation.objects.count() == 0


def test_a_head_reads_the_lines_of_their_department(manager, team):
    call(manager, "post", "/api/v1/sla/evaluations", {"period": "2026-11"})
    sales_head = make_user("head", department=make_user("broker").department)
    claims_head = client_for(make_user("head"))

    claims = call(claims_head, "get", "/api/v1/sla/evaluations/2026-11").json()
    sales = call(client_for(sales_head), "get", "/api/v1/sla/evaluations/2026-11").json()

    assert [(line["group"], line["code"]) for line in claims["lines"]] == [
        ("department", "claims"),
        ("person", "adjuster"),
        ("person", "stranger"),
    ]
    assert sales["lines"] == []
    assert claims["breaches"] == sales["breaches"] == 3  # the month's totals are shared


def test_kpis_carry_the_share_of_complaints_caused_by_timeliness(manager, team):
    # given: three November complaints with a cause, one of them timeliness, and one without
    from coverdesk.servicedesk.services.complaints import complaint_classify, complaint_receive
    from coverdesk.servicedesk.tests.factories import make_customer, make_desk

    desk = make_desk()
    customer = make_customer()
    for cause in ("timeliness", "claim_amount", "service_attitude", ""):
        complaint = complaint_receive(
            acting_user=desk.agent,
            channel="phone",
            complainant_name="张三",
            subject="s",
            description="d",
            customer_id=customer.pk,
            now=at(2026, 11, 10, 10),
        )
        if cause:
            complaint_classify(
                complaint_id=complaint.pk,
                cause=cause,
                acting_user=desk.agent,
                now=at(2026, 11, 10, 11),
            )
    # when
    body = call(manager, "get", f"/api/v1/sla/kpis?{NOVEMBER}&group_by=department").json()
    # then: one of the three with a cause
    assert Decimal(str(body["complaints_share"])) == Decimal("0.3333")
