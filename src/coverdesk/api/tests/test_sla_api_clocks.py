"""Clocks, warnings and follow-up reports over the API: content, paging and query counts, and
the authorization of the endpoints whose access follows the clock (recipients, the person
responsible, management)."""

from datetime import datetime

import pytest
from django.test import Client

from coverdesk.accounts.tests.factories import make_user
from coverdesk.api.tests.sla_world import NOW, build, call, client_for, freeze, state
from coverdesk.sla.models import ProgressReport, RectificationReport, SlaEventAcknowledgement
from coverdesk.sla.services.clocks import sla_clock_start
from coverdesk.sla.tests.clock_factories import at
from coverdesk.sla.tests.kpi_factories import sla_role_permissions_ensure

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(monkeypatch):
    sla_role_permissions_ensure()
    freeze(monkeypatch)
    return build()


def _clients(*users):
    return [client_for(user) for user in users]


def _fields(response):
    return [(f["field"], f["rule"]) for f in response.json()["fields"]]


# My clocks ----------------------------------------------------------------------------------


def test_my_clocks_with_time_left_and_mark(world):
    adjuster = client_for(world.team.adjuster)

    body = call(adjuster, "get", "/api/v1/sla/my-clocks").json()

    rows = {(r["subject_id"], r["kind"]): r for r in body["items"]}
    assert body["count"] == 5  # two late claims, their progress reports, the open clock
    assert set(rows) == {
        ("C-A", "primary"),
        ("C-B", "primary"),
        ("C-A", "progress_report"),
        ("C-B", "progress_report"),
        ("C-OPEN", "primary"),
    }
    fresh = rows[("C-OPEN", "primary")]
    # Started Monday 09:00 on 3 WD: the rest of Monday (7 h) and three days of 7.5 h, to
    # Thursday 17:30 (106,200 business seconds); one hour used at 10:00.
    assert (
        fresh["mark"],
        fresh["allowed_seconds"],
        fresh["used_seconds"],
        fresh["remaining_seconds"],
        fresh["share_used"],
        fresh["measure"],
        fresh["standard"],
        fresh["department"],
    ) == (
        "green",
        106_200,
        3_600,
        102_600,
        "0.0339",
        "business",
        "claims.adjudication.simple",
        "claims",
    )
    late = rows[("C-A", "primary")]
    assert (late["mark"], late["remaining_seconds"], late["state"]) == ("red", 0, "running")


def test_my_clocks_sorted_filtered_and_paged(world):
    adjuster = client_for(world.team.adjuster)

    by_due = call(adjuster, "get", "/api/v1/sla/my-clocks?sort=-due").json()["items"]
    red = call(adjuster, "get", "/api/v1/sla/my-clocks?mark=red").json()
    page = call(adjuster, "get", "/api/v1/sla/my-clocks?page=2&page_size=3").json()

    dues = [datetime.fromisoformat(r["due_at"]) for r in by_due]
    assert dues == sorted(dues, reverse=True)
    assert {r["mark"] for r in red["items"]} == {"red"}
    assert red["count"] == 4  # both claims and their progress reports, all past due
    assert (page["count"], len(page["items"])) == (5, 2)


def test_bad_sort_or_mark_names_the_parameter(world):
    adjuster = client_for(world.team.adjuster)

    sort = call(adjuster, "get", "/api/v1/sla/my-clocks?sort=priority")
    mark = call(adjuster, "get", "/api/v1/sla/my-clocks?mark=blue")

    assert (sort.status_code, _fields(sort)) == (422, [("sort", "choice")])
    assert (mark.status_code, _fields(mark)) == (422, [("mark", "choice")])


def test_my_clocks_cost_the_same_queries_for_many_rows(world, django_assert_num_queries):
    adjuster = client_for(world.team.adjuster)
    call(adjuster, "get", "/api/v1/sla/my-clocks")  # token last-used stamp, calendar cache

    def queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            response = call(adjuster, "get", "/api/v1/sla/my-clocks")
        assert response.status_code == 200
        return len(captured)

    few = queries()
    for index in range(30):
        sla_clock_start(
            subject=("claims.claim", f"X-{index}"),
            standard_code="claims.registration",
            assignee=world.team.adjuster,
            acting_user=world.team.adjuster,
            now=at(2026, 3, 9, 9),
        )

    assert queries() == few
    # token + user + groups/permissions are the caller's; the list is a count and a page.
    with django_assert_num_queries(few):
        call(adjuster, "get", "/api/v1/sla/my-clocks")


# Department clocks and the clocks of a subject ------------------------------------------------


def test_department_clocks_of_my_department_only(world):
    head = client_for(make_user("head"))  # in claims
    manager = client_for(make_user("manager"))

    mine = call(head, "get", "/api/v1/sla/department-clocks").json()
    other = call(
        head, "get", f"/api/v1/sla/department-clocks?department={world.team.claims.pk + 99}"
    )
    everything = call(manager, "get", "/api/v1/sla/department-clocks").json()

    # 3 work clocks, 2 progress reports, C-A's rectification report (C-B's was submitted)
    assert mine["count"] == everything["count"] == 6
    assert [r["mark"] for r in mine["items"]][:2] == ["red", "red"]
    assert (other.status_code, other.json()["code"]) == (403, "sla_clocks_not_allowed")


def test_subject_clocks_by_visibility(world):
    path = "/api/v1/sla/clocks?subject_type=claims.claim&subject_id=C-A"

    own = call(client_for(world.team.adjuster), "get", path).json()
    stranger = call(client_for(world.team.stranger), "get", path).json()
    auditor = call(client_for(make_user("auditor")), "get", path).json()
    missing = call(client_for(world.team.adjuster), "get", "/api/v1/sla/clocks?subject_type=x")

    assert [(c["kind"], c["assignee_name"] != "") for c in own] == [
        ("primary", True),
        ("progress_report", True),
    ]
    assert stranger == []
    assert [c["kind"] for c in auditor] == ["primary", "progress_report", "rectification_report"]
    assert (missing.status_code, _fields(missing)) == (422, [("subject_id", "required")])


# Warnings -----------------------------------------------------------------------------------


def test_my_warnings_and_acknowledging_them(world):
    head = client_for(world.team.head)
    path = f"/api/v1/sla/warnings/{world.red_a.pk}/acknowledge"

    listed = call(head, "get", "/api/v1/sla/warnings").json()
    acknowledged = call(head, "post", path, {"note": "looking into it"})
    open_only = call(head, "get", "/api/v1/sla/warnings?unacknowledged=true").json()

    assert listed["count"] == 4  # yellow and red of both claims
    assert acknowledged.status_code == 200
    assert (acknowledged.json()["warning_id"], acknowledged.json()["note"]) == (
        world.red_a.pk,
        "looking into it",
    )
    assert datetime.fromisoformat(acknowledged.json()["acknowledged_at"]) == NOW
    assert open_only["count"] == 3
    assert world.red_a.pk not in [w["id"] for w in open_only["items"]]


def test_acknowledge_authorization(world):
    path = f"/api/v1/sla/warnings/{world.red_a.pk}/acknowledge"
    clients = _clients(world.team.adjuster, world.team.stranger, make_user("auditor"))
    management = client_for(world.team.manager)
    before = state()

    anonymous = call(Client(), "post", path, {})
    assert state() == before
    adjuster, stranger, auditor = (call(c, "post", path, {}) for c in clients)  # red: not theirs
    assert state() == before
    manager = call(management, "post", path, {})

    assert anonymous.status_code == 401
    assert [r.json()["code"] for r in (adjuster, stranger, auditor)] == [
        "sla_warning_not_a_recipient"
    ] * 3
    assert [r.status_code for r in (adjuster, stranger, auditor)] == [403] * 3
    assert manager.status_code == 200
    assert SlaEventAcknowledgement.objects.get().user == world.team.manager


def test_acknowledge_bad_input(world):
    head = client_for(world.team.head)

    long_note = call(
        head, "post", f"/api/v1/sla/warnings/{world.red_a.pk}/acknowledge", {"note": "x" * 301}
    )
    unknown = call(head, "post", "/api/v1/sla/warnings/999999/acknowledge", {})

    assert (long_note.status_code, _fields(long_note)) == (422, [("note", "max_length")])
    assert (unknown.status_code, unknown.json()["code"]) == (404, "sla_warning_not_found")
    assert SlaEventAcknowledgement.objects.count() == 0


# Follow-up reports --------------------------------------------------------------------------


def test_reports_to_write_and_to_review(world):
    adjuster = call(client_for(world.team.adjuster), "get", "/api/v1/sla/followups/to-write").json()
    head = call(client_for(world.team.head), "get", "/api/v1/sla/followups/to-write").json()
    review = call(client_for(world.team.manager), "get", "/api/v1/sla/followups/to-review").json()
    nothing = call(client_for(world.team.head), "get", "/api/v1/sla/followups/to-review").json()

    assert [(r["kind"], r["subject_id"]) for r in adjuster["items"]] == [
        ("progress_report", "C-A"),
        ("progress_report", "C-B"),
    ]
    assert sorted((r["kind"], r["subject_id"]) for r in head["items"]) == [
        ("progress_report", "C-A"),
        ("progress_report", "C-B"),
        ("rectification_report", "C-A"),
    ]
    assert head["items"][0]["parent_standard"] == "claims.adjudication.simple"
    assert [(r["id"], r["standard"], r["cause_analysis"]) for r in review["items"]] == [
        (world.report_b.pk, "claims.adjudication.simple", "Survey late")
    ]
    assert nothing["count"] == 0


def test_progress_report_authorization(world):
    path = f"/api/v1/sla/followups/{world.progress_a.pk}/progress-report"
    body = {"text": "Survey report arrives Thursday."}
    responsible, stranger_client, manager_client = _clients(
        world.team.adjuster, world.team.stranger, world.team.manager
    )
    before = state()

    anonymous = call(Client(), "post", path, body)
    stranger = call(stranger_client, "post", path, body)
    manager = call(manager_client, "post", path, body)
    empty = call(responsible, "post", path, {"text": ""})
    assert state() == before
    adjuster = call(responsible, "post", path, body)
    again = call(responsible, "post", path, body)

    assert anonymous.status_code == 401
    assert [(r.status_code, r.json()["code"]) for r in (stranger, manager)] == [
        (403, "sla_report_not_yours")
    ] * 2
    assert (empty.status_code, _fields(empty)) == (422, [("text", "min_length")])
    assert adjuster.status_code == 201
    assert (adjuster.json()["met"], adjuster.json()["text"]) == (False, body["text"])  # days late
    assert again.status_code == 409
    assert ProgressReport.objects.get().submitted_by == world.team.adjuster


def test_rectification_report_authorization(world):
    path = f"/api/v1/sla/followups/{world.rectification_a.pk}/rectification-report"
    body = {
        "cause_analysis": "Surveyor booked late",
        "measures": "Standing booking with two firms",
        "owner_id": world.team.head.pk,
        "completion_date": "2026-03-31",
    }
    assignee, department_head = _clients(world.team.adjuster, world.team.head)
    before = state()

    anonymous = call(Client(), "post", path, body)
    adjuster = call(assignee, "post", path, body)  # the head's task
    past = call(department_head, "post", path, {**body, "completion_date": "2026-03-01"})
    nobody = call(department_head, "post", path, {**body, "owner_id": 999_999})
    wrong_kind = call(
        department_head,
        "post",
        f"/api/v1/sla/followups/{world.progress_a.pk}/rectification-report",
        body,
    )
    assert state() == before
    head = call(department_head, "post", path, body)

    assert anonymous.status_code == 401
    assert (adjuster.status_code, adjuster.json()["code"]) == (403, "sla_report_not_yours")
    assert (past.status_code, _fields(past)) == (422, [("completion_date", "past")])
    assert (nobody.status_code, _fields(nobody)) == (422, [("owner", "required")])
    assert (wrong_kind.status_code, wrong_kind.json()["code"]) == (409, "sla_wrong_follow_up")
    assert head.status_code == 201
    assert (head.json()["owner_id"], head.json()["reviewed_at"]) == (world.team.head.pk, None)
    assert RectificationReport.objects.count() == 2


def test_review_authorization(world):
    path = f"/api/v1/sla/rectification-reports/{world.report_b.pk}/review"
    head_client, auditor_client, management = _clients(
        world.team.head, make_user("auditor"), world.team.manager
    )
    before = state()

    anonymous = call(Client(), "post", path, {"note": "ok"})
    head = call(head_client, "post", path, {"note": "ok"})
    auditor = call(auditor_client, "post", path, {"note": "ok"})
    assert state() == before
    manager = call(management, "post", path, {"note": "Agreed."})
    again = call(management, "post", path, {"note": "again"})

    assert anonymous.status_code == 401
    assert [(r.status_code, r.json()["code"]) for r in (head, auditor)] == [
        (403, "sla_review_management_only")
    ] * 2
    assert manager.status_code == 200
    assert (manager.json()["reviewed_by"], manager.json()["review_note"]) == ("manager", "Agreed.")
    assert (again.status_code, again.json()["code"]) == (409, "sla_report_already_reviewed")
