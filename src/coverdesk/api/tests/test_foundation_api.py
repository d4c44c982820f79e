import json

import pytest
from django.test import Client

from coverdesk.accounts.models import ApiToken
from coverdesk.audit.models import AuditEntry

ROLES = [
    "admin",
    "broker",
    "clerk",
    "agent",
    "adjuster",
    "surveyor",
    "backoffice",
    "head",
    "manager",
    "auditor",
    "customer",
]

# Every read endpoint of the foundation and the roles that may call it.
READ_ENDPOINTS = {
    "/api/v1/me": set(ROLES),
    "/api/v1/tokens": set(ROLES),
    "/api/v1/departments": {"admin", "head", "manager", "auditor"},
    "/api/v1/users": {"admin", "head", "manager", "auditor"},
    "/api/v1/audit-entries": {"admin", "auditor"},
    "/api/v1/audit-entries/verify": {"admin", "auditor"},
}


@pytest.mark.django_db
def test_health_needs_no_login_and_checks_the_database(client):
    response = client.get("/api/v1/health")
    assert (response.status_code, response.json()) == (200, {"status": "ok", "database": "ok"})


@pytest.mark.django_db
@pytest.mark.parametrize("path", sorted(READ_ENDPOINTS))
def test_anonymous_callers_get_401_in_the_error_shape(client, path):
    response = client.get(path)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert set(response.json()) == {"code", "message", "fields"}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_its_endpoints(api_client_for, role):
    client, _user = api_client_for(role)
    outcomes = {path: client.get(path).status_code for path in READ_ENDPOINTS}
    expected = {path: 200 if role in roles else 403 for path, roles in READ_ENDPOINTS.items()}
    assert outcomes == expected


@pytest.mark.django_db
def test_denied_calls_answer_permission_denied(api_client_for):
    client, _user = api_client_for("broker")
    response = client.get("/api/v1/audit-entries")
    assert response.json()["code"] == "permission_denied"


@pytest.mark.django_db
def test_unknown_routes_answer_json_404(api_client_for):
    client, _user = api_client_for("clerk")
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "not_found"


@pytest.mark.django_db
def test_malformed_input_is_422_naming_field_and_rule_and_writes_nothing(api_client_for):
    client, _user = api_client_for("broker")
    tokens_before, audit_before = ApiToken.objects.count(), AuditEntry.objects.count()
    response = client.post(
        "/api/v1/tokens",
        data=json.dumps({"name": "", "expires_at": "soon"}),
        content_type="application/json",
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_failed"
    assert {(f["field"], f["rule"]) for f in body["fields"]} == {
        ("name", "min_length"),
        ("expires_at", "datetime"),
    }
    assert (ApiToken.objects.count(), AuditEntry.objects.count()) == (tokens_before, audit_before)


@pytest.mark.django_db
def test_business_rule_errors_use_the_same_shape(api_client_for):
    client, _user = api_client_for("broker")
    response = client.post(
        "/api/v1/tokens",
        data=json.dumps({"name": "x", "expires_at": "2001-01-01T00:00:00Z"}),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["fields"] == [
        {
            "field": "expires_at",
            "rule": "future",
            "message": response.json()["fields"][0]["message"],
        }
    ]


@pytest.mark.django_db
def test_token_lifecycle_through_the_api(api_client_for):
    client, user = api_client_for("clerk")
    created = client.post(
        "/api/v1/tokens",
        data=json.dumps({"name": "dispatch system"}),
        content_type="application/json",
    )
    assert created.status_code == 201
    plaintext = created.json()["token"]
    listed = client.get("/api/v1/tokens").json()
    assert "token" not in listed[0]
    assert {t["name"] for t in listed} == {"tests", "dispatch system"}

    second = Client(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert second.get("/api/v1/me").json()["username"] == user.username
    assert client.delete(f"/api/v1/tokens/{created.json()['id']}").status_code == 200
    assert second.get("/api/v1/me").status_code == 401


@pytest.mark.django_db
def test_session_auth_requires_csrf_on_writes(role_user):
    user = role_user("clerk")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.get("/api/v1/me").status_code == 200
    response = client.post(
        "/api/v1/tokens", data=json.dumps({"name": "x"}), content_type="application/json"
    )
    assert response.status_code in (401, 403)
    assert ApiToken.objects.count() == 0


@pytest.mark.django_db
def test_me_reports_roles_department_and_permissions(api_client_for):
    client, _user = api_client_for("auditor")
    body = client.get("/api/v1/me").json()
    assert body["roles"] == ["auditor"]
    assert body["department"] == "management"
    assert "audit.view_auditentry" in body["permissions"]


@pytest.mark.django_db
def test_users_list_is_paginated_without_n_plus_one(
    api_client_for, role_user, django_assert_max_num_queries
):
    client, _user = api_client_for("admin")
    for role in ["clerk", "agent", "broker", "head", "surveyor"] * 4:
        role_user(role)
    with django_assert_max_num_queries(8):
        body = client.get("/api/v1/users?page=1").json()
    assert body["count"] == 21
    assert len(body["items"]) == 21
