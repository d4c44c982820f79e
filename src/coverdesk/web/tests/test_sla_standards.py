"""Standards administration: the catalogue by area with the version in force, the version
history, read-only for heads, management and auditors; new versions for holders of the
standards permission."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from coverdesk.accounts.tests.factories import make_user
from coverdesk.audit.models import AuditEntry
from coverdesk.sla.models import SlaStandard, SlaStandardVersion
from coverdesk.sla.tests.clock_factories import at
from coverdesk.web.tests.helpers import english
from coverdesk.web.tests.sla_scenarios import freeze

pytestmark = pytest.mark.django_db

CODE = "claims.adjudication.simple"
DETAIL = reverse("web:sla_standard_detail", args=[CODE])
FORM = {
    "amount": "2",
    "unit": "working_days",
    "calendar": "cn-mainland",
    "yellow_ratio": "0.750",
    "yellow_notify": ["assignee", "department_head"],
    "red_notify": ["department_head", "management"],
    "escalations": "1.5 management",
    "progress_report_followup": "on",
    "rectification_followup": "on",
    "source": "Service commitment 2026",
    "note": "Shorter after the pilot.",
    "effective_from": "2026-04-01T00:00",
}


def _client(user):
    client = english(Client())
    client.force_login(user)
    return client


@pytest.fixture
def standards_admin(monkeypatch):
    freeze(monkeypatch)
    user = make_user("admin", username="standards.admin")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="sla", codename="change_slastandard")
    )
    return _client(user)


def test_the_catalogue_lists_every_standard_by_area_with_its_terms(monkeypatch):
    # given
    freeze(monkeypatch)
    # when
    response = _client(make_user("head")).get(reverse("web:sla_standards"))
    # then
    areas = response.context["areas"]
    assert [area["code"] for area in areas] == [
        "sales",
        "service",
        "claims",
        "claims_bid",
        "back_office",
        "aviation_bid",
        "law",
        "regulation",
        "followup",
    ]
    assert sum(len(area["rows"]) for area in areas) == SlaStandard.objects.count()
    claims = next(area for area in areas if area["code"] == "claims")
    row = next(row for row in claims["rows"] if row["standard"].code == CODE)
    assert (row["version"].number, row["version"].target, row["pending"]) == (
        1,
        "3 working days",
        None,
    )
    law = next(area for area in areas if area["code"] == "law")
    sources = {row["standard"].code: row["version"].source for row in law["rows"]}
    assert sources["law.insurance_23.decision"] == "《中华人民共和国保险法》第二十三条"


def test_heads_see_a_standard_without_the_form(monkeypatch):
    freeze(monkeypatch)
    response = _client(make_user("head")).get(DETAIL)
    assert response.status_code == 200
    assert response.context["form"] is None
    assert response.context["current"].number == 1
    assert response.context["told_at_red"] == ["Department head", "Management"]
    assert 'data-test="version-form"' not in response.content.decode()


def test_the_form_starts_from_the_version_in_force(standards_admin):
    form = standards_admin.get(DETAIL).context["form"]
    assert form.initial["amount"] == 3
    assert form.initial["unit"] == "working_days"
    assert form.initial["red_notify"] == ["department_head", "management"]


def test_a_new_version_takes_effect_from_its_date(standards_admin):
    # when
    response = standards_admin.post(DETAIL, FORM, follow=True)
    # then
    version = SlaStandardVersion.objects.filter(standard__code=CODE).latest("number")
    assert (
        version.number,
        version.amount,
        version.unit,
        str(version.yellow_ratio),
        version.yellow_notify,
        version.red_notify,
        version.escalations,
        version.source,
        version.note,
        version.effective_from,
        version.created_by.username,
    ) == (
        2,
        2,
        "working_days",
        "0.750",
        ["assignee", "department_head"],
        ["department_head", "management"],
        [{"ratio": "1.5", "notify": ["management"]}],
        "Service commitment 2026",
        "Shorter after the pilot.",
        at(2026, 4, 1),
        "standards.admin",
    )
    assert "Version 2 is saved." in response.content.decode()
    # still version 1 in force at NOW; version 2 is shown as pending in the catalogue
    assert response.context["current"].number == 1
    catalogue = standards_admin.get(reverse("web:sla_standards")).context["areas"]
    row = next(r for a in catalogue for r in a["rows"] if r["standard"].code == CODE)
    assert row["pending"].number == 2
    assert AuditEntry.objects.latest("sequence").action == "sla.standard.change"


RATIO = "A share between 0 and 1 with at most three decimals."
ORDER = "Escalation shares must be above 1 and increasing."
PAST = "A new version cannot take effect in the past."


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"yellow_ratio": "1.5"}, "yellow_ratio", RATIO),
        ({"escalations": "0.9 management"}, "escalations", ORDER),
        ({"escalations": "soon management"}, "escalations", "Line 1: a share such as 1.5 first."),
        ({"effective_from": "2026-03-01T00:00"}, "effective_from", PAST),
        ({"amount": "0"}, "amount", "Ensure this value is greater than or equal to 1."),
    ],
)
def test_bad_terms_name_the_field_and_make_no_version(standards_admin, changes, field, message):
    # when
    response = standards_admin.post(DETAIL, {**FORM, **changes})
    # then
    assert response.status_code == 200
    assert response.context["form"].errors == {field: [message]}
    assert SlaStandardVersion.objects.filter(standard__code=CODE).count() == 1


def test_without_the_permission_a_post_is_refused(monkeypatch):
    freeze(monkeypatch)
    response = _client(make_user("manager")).post(DETAIL, FORM)
    assert response.status_code == 403
    assert SlaStandardVersion.objects.filter(standard__code=CODE).count() == 1


def test_an_unknown_standard_is_404(standards_admin):
    response = standards_admin.get(reverse("web:sla_standard_detail", args=["no.such"]))
    assert response.status_code == 404
