"""Every endpoint of the policies, insured-object, servicing, catalogue and new-business API
refuses an anonymous caller with 401 in the one error shape, and changes nothing."""

import pytest
from django.test import Client

from coverdesk.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    ("get", "/api/v1/policies"),
    ("get", "/api/v1/policies/1"),
    ("get", "/api/v1/policies/1/versions/1"),
    ("get", "/api/v1/policies/1/in-force?on=2026-01-01"),
    ("post", "/api/v1/policies/1/preview"),
    ("post", "/api/v1/policies/1/endorsements"),
    ("post", "/api/v1/policies/1/cancel"),
    ("get", "/api/v1/policies/expiring?first_day=2026-01-01&last_day=2026-12-31"),
    ("get", "/api/v1/policies/statistics?first_day=2026-01-01&last_day=2026-12-31"),
    ("get", "/api/v1/policies/1/schedule.pdf"),
    ("get", "/api/v1/policies/1/endorsements"),
    ("get", "/api/v1/policies/1/endorsements/1"),
    ("get", "/api/v1/policies/1/endorsements/1/document.pdf"),
    ("post", "/api/v1/policies/1/file"),
    ("post", "/api/v1/policies/1/renewal-quote"),
    ("post", "/api/v1/policies/1/renew"),
    ("get", "/api/v1/aircraft"),
    ("post", "/api/v1/aircraft"),
    ("get", "/api/v1/aircraft/1"),
    ("get", "/api/v1/aircraft/1/changes"),
    ("patch", "/api/v1/aircraft/1"),
    ("post", "/api/v1/aircraft/import"),
    ("get", "/api/v1/insured-persons"),
    ("post", "/api/v1/insured-persons"),
    ("get", "/api/v1/insured-persons/1"),
    ("get", "/api/v1/insured-persons/1/changes"),
    ("get", "/api/v1/insured-persons/1/id-number"),
    ("patch", "/api/v1/insured-persons/1"),
    ("post", "/api/v1/insured-persons/import"),
    ("get", "/api/v1/servicing-requests"),
    ("post", "/api/v1/servicing-requests"),
    ("get", "/api/v1/servicing-requests/1"),
    *[
        ("post", f"/api/v1/servicing-requests/1/{action}")
        for action in (
            "documents",
            "calculate",
            "confirm",
            "approve",
            "reject",
            "withdraw",
            "archive",
        )
    ],
    ("get", "/api/v1/products"),
    ("get", "/api/v1/products/aviation-programme"),
    ("get", "/api/v1/product-versions/1"),
    ("get", "/api/v1/needs-intakes"),
    ("post", "/api/v1/needs-intakes"),
    ("get", "/api/v1/needs-intakes/1"),
    ("post", "/api/v1/needs-intakes/1/consultations"),
    ("get", "/api/v1/needs-intakes/1/quotes"),
    ("get", "/api/v1/quotes"),
    ("post", "/api/v1/quotes"),
    ("get", "/api/v1/quotes/1"),
    ("post", "/api/v1/quotes/1/decline"),
    ("get", "/api/v1/follow-ups"),
    ("post", "/api/v1/follow-ups/1/complete"),
    ("get", "/api/v1/applications"),
    ("post", "/api/v1/applications"),
    ("get", "/api/v1/applications/1"),
    *[
        ("post", f"/api/v1/applications/1/{action}")
        for action in (
            "submit",
            "documents",
            "approve",
            "refer",
            "decline",
            "payment",
            "issue",
            "withdraw",
        )
    ],
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_anonymous_is_401_and_nothing_changes(method, path):
    before = AuditEntry.objects.count()

    response = getattr(Client(), method)(path, {}, content_type="application/json")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert AuditEntry.objects.count() == before


def test_the_list_covers_every_endpoint_of_the_area():
    from coverdesk.api.tests.test_policies_api_roles import area_operations, operation_of

    operations = area_operations()

    assert {operation_of(method, path, operations) for method, path in ENDPOINTS} == operations
