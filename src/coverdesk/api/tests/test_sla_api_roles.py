"""One authorization test per timeliness endpoint whose access follows permissions: anonymous
is 401, each role gets its expected status, and every denial leaves the database as it was.
(Endpoints whose access follows the clock — acknowledging a warning, writing and reviewing
reports — have their own tests in test_sla_api_clocks.py.)"""

import pytest
from django.test import Client

from coverdesk.accounts.roles import ROLE_PERMISSIONS
from coverdesk.accounts.tests.factories import make_user
from coverdesk.api.tests.sla_world import build, call, client_for, freeze, state
from coverdesk.sla.tests.kpi_factories import SLA_ROLE_PERMISSIONS, sla_role_permissions_ensure

pytestmark = pytest.mark.django_db

ROLES = ["customer", "clerk", "head", "manager", "auditor", "admin"]
READERS = {"clerk": 200, "head": 200, "manager": 200, "auditor": 200, "admin": 200}
EVERYONE = dict.fromkeys(ROLES, 200)
OVERSEERS = {"head": 200, "manager": 200, "auditor": 200}
ADMIN = {"admin": 200}

STANDARD = {
    "code": "service.test.new",
    "name": "测试标准",
    "name_en": "Test standard",
    "area": "service",
    "amount": 2,
    "unit": "working_days",
    "calendar": "cn-mainland",
}
TERMS = {"amount": 4, "unit": "working_days", "calendar": "cn-mainland"}
WEEK = [["08:30-12:00", "13:30-17:30"]] * 5 + [[], []]
WEEK[0] = ["09:00-12:00", "13:30-17:30"]
RULE = {
    "evaluation_working_day": 3,
    "calendar": "cn-mainland",
    "star_metric": "compliance_rate",
    "star_min_clocks": 3,
    "penalty_points_per_breach": "2.00",
}
DEADLINE = {
    "calendar": "cn-mainland",
    "start": "2026-02-13T15:00:00+08:00",
    "amount": 3,
    "unit": "working_days",
}

# name, method, path, body, expected status per role (others 403)
ENDPOINTS = [
    ("calendars", "get", "/api/v1/sla/calendars", None, READERS),
    ("calendar", "get", "/api/v1/sla/calendars/cn-mainland?year=2026", None, READERS),
    ("calendar versions", "get", "/api/v1/sla/calendars/cn-mainland/versions", None, READERS),
    (
        "day set",
        "put",
        "/api/v1/sla/calendars/cn-mainland/days/2026-12-30",
        {"kind": "closure", "note": "year-end closing"},
        ADMIN,
    ),
    ("day remove", "delete", "/api/v1/sla/calendars/cn-mainland/days/2026-10-01", None, ADMIN),
    (
        "published through",
        "put",
        "/api/v1/sla/calendars/cn-mainland/published-through",
        {"published_through": "2027-01-31"},
        ADMIN,
    ),
    (
        "weekly windows",
        "put",
        "/api/v1/sla/calendars/cn-mainland/weekly-windows",
        {"weekly_windows": WEEK},
        ADMIN,
    ),
    (
        "import",
        "post",
        "/api/v1/sla/calendars/cn-mainland/import",
        {"rows": [{"date": "2027-01-01", "kind": "holiday"}], "published_through": "2027-01-31"},
        ADMIN,
    ),
    ("deadline", "post", "/api/v1/sla/deadline", DEADLINE, READERS),
    ("standards", "get", "/api/v1/sla/standards", None, READERS),
    ("standard", "get", "/api/v1/sla/standards/claims.registration", None, READERS),
    ("standard create", "post", "/api/v1/sla/standards", STANDARD, {"admin": 201}),
    (
        "standard version",
        "post",
        "/api/v1/sla/standards/claims.registration/versions",
        TERMS,
        {"admin": 201},
    ),
    (
        "subject clocks",
        "get",
        "/api/v1/sla/clocks?subject_type=claims.claim&subject_id=C-A",
        None,
        EVERYONE,
    ),
    ("my clocks", "get", "/api/v1/sla/my-clocks", None, EVERYONE),
    ("department clocks", "get", "/api/v1/sla/department-clocks", None, OVERSEERS),
    ("my warnings", "get", "/api/v1/sla/warnings", None, EVERYONE),
    ("department warnings", "get", "/api/v1/sla/warnings?scope=department", None, OVERSEERS),
    ("follow-ups to write", "get", "/api/v1/sla/followups/to-write", None, EVERYONE),
    ("reports to review", "get", "/api/v1/sla/followups/to-review", None, EVERYONE),
    ("kpis", "get", "/api/v1/sla/kpis?period=2026-02", None, OVERSEERS),
    ("kpis xlsx", "get", "/api/v1/sla/kpis.xlsx?period=2026-02", None, OVERSEERS),
    ("kpi months", "get", "/api/v1/sla/kpis/months?year=2026", None, OVERSEERS),
    ("evaluations", "get", "/api/v1/sla/evaluations", None, OVERSEERS),
    ("evaluation", "get", "/api/v1/sla/evaluations/2026-02", None, OVERSEERS),
    ("annual", "get", "/api/v1/sla/evaluations/annual/2026", None, OVERSEERS),
    ("freeze", "post", "/api/v1/sla/evaluations", {"period": "2026-01"}, {"manager": 201}),
    (
        "refreeze",
        "post",
        "/api/v1/sla/evaluations/2026-02/refreeze",
        {"reason": "re-plan flagged a breach"},
        {"manager": 200},
    ),
    ("rule", "get", "/api/v1/sla/evaluation-rule", None, {**OVERSEERS, "admin": 200}),
    ("rule change", "put", "/api/v1/sla/evaluation-rule", RULE, ADMIN),
]


@pytest.fixture
def world(monkeypatch):
    sla_role_permissions_ensure()
    freeze(monkeypatch)
    return build()


@pytest.mark.parametrize(
    ("method", "path", "body", "expected"),
    [pytest.param(*entry[1:], id=entry[0]) for entry in ENDPOINTS],
)
def test_endpoint_per_role(world, method, path, body, expected):
    clients = {role: client_for(make_user(role)) for role in ROLES}
    before = state()

    anonymous = call(Client(), method, path, body)

    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "not_authenticated")
    assert state() == before
    # Denied roles first, so that a permitted write cannot change what they are refused.
    for role in sorted(ROLES, key=lambda r: r in expected):
        before = state()
        response = call(clients[role], method, path, body)
        wanted = expected.get(role, 403)
        assert (role, response.status_code) == (role, wanted), response.content[:300]
        if wanted == 403:
            assert response.json()["code"].endswith(("permission_denied", "not_allowed", "only"))
            assert state() == before


def test_roles_py_grants_the_timeliness_permissions():
    """accounts/roles.py must give each role the permissions the endpoints ask for."""
    missing = {
        role: sorted(set(labels) - set(ROLE_PERMISSIONS[role]))
        for role, labels in SLA_ROLE_PERMISSIONS.items()
        if set(labels) - set(ROLE_PERMISSIONS[role])
    }

    assert missing == {}
