"""The policy schedule and endorsement documents through the API: real PDFs (read back: the
document's title names it and its number, in the language asked for), an earlier version on
request, a customer gets their own documents and nothing of another customer's; endorsements
listed and shown with their calculation."""

import re
import zlib
from datetime import date
from decimal import Decimal as D

import pytest
from django.utils import translation
from django.utils.translation import gettext as _

from coverdesk.policies.models import Endorsement
from coverdesk.policies.selectors.servicing import servicing_changes_build, servicing_changes_clean
from coverdesk.policies.services.policies import endorsement_apply
from coverdesk.policies.tests.policy_factories import (
    AVIATION,
    at,
    issue_policy,
    make_customer,
    make_fleet,
    make_team,
)

pytestmark = pytest.mark.django_db


TITLE = re.compile(rb"/Title\s*(?:\(((?:[^()\\]|\\.)*)\)|<([0-9a-fA-F]+)>)")


def inflated(content: bytes) -> bytes:
    """A whole PDF file with its compressed streams (object streams too) inflated."""
    assert content.startswith(b"%PDF-")
    assert content.rstrip().endswith(b"%%EOF")
    parts = [content]
    for match in re.finditer(rb"stream\r?\n", content):
        end = content.find(b"endstream", match.end())
        try:
            parts.append(zlib.decompress(content[match.end() : end]))
        except zlib.error:
            continue
    return b"\n".join(parts)


def pdf_titles(content: bytes) -> list[str]:
    """The /Title strings of a PDF (document information and outline): literal strings and
    UTF-16 hex strings."""
    titles = []
    for literal, hexadecimal in TITLE.findall(inflated(content)):
        if hexadecimal:
            raw = bytes.fromhex(hexadecimal.decode())
            titles.append(raw[2:].decode("utf-16-be") if raw[:2] == b"\xfe\xff" else raw.decode())
        else:
            titles.append(literal.decode("latin-1"))
    return titles


def pages(content: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b", inflated(content)))


def label(text: str, language: str) -> str:
    with translation.override(language):
        return _(text)


@pytest.fixture
def team():
    return make_team()


@pytest.fixture
def customer():
    return make_customer()


@pytest.fixture
def fleet(customer):
    return make_fleet(customer)


@pytest.fixture
def policy(team, customer, fleet):
    return issue_policy(team, customer, coverage_codes=[AVIATION], aircraft=fleet)


@pytest.fixture
def endorsed(team, policy, fleet):
    changes = [{"op": "set_agreed_value", "aircraft_id": fleet[0].pk, "agreed_value": "80000000"}]
    cleaned = servicing_changes_clean(policy=policy, kind="change_sum", changes=changes)
    endorsement_apply(
        policy_id=policy.pk,
        kind="change_sum",
        effective_on=date(2026, 6, 22),
        changes=servicing_changes_build(policy=policy, changes=cleaned),
        acting_user=team.manager,
        now=at(2026, 6, 15),
    )
    return policy


@pytest.fixture
def outsider(api_client_for):
    from coverdesk.parties.services import customer_access_grant

    client, user = api_client_for("customer")
    other = make_customer(name="另一家航空公司", credit_code="91110000100000000R")
    customer_access_grant(user=user, party=other, acting_user=None)
    return client


@pytest.fixture
def owner(api_client_for, customer):
    from coverdesk.parties.services import customer_access_grant

    client, user = api_client_for("customer")
    customer_access_grant(user=user, party=customer, acting_user=None)
    return client


def test_the_schedule_is_a_chinese_pdf_by_default_and_english_on_request(api_client_for, policy):
    client, _user = api_client_for("clerk")

    chinese = client.get(f"/api/v1/policies/{policy.pk}/schedule.pdf")
    english = client.get(f"/api/v1/policies/{policy.pk}/schedule.pdf?lang=en")

    assert chinese.status_code == 200
    assert chinese["Content-Type"] == "application/pdf"
    assert chinese["Content-Disposition"] == f'inline; filename="{policy.number}-zh.pdf"'
    assert f"{label('Policy schedule', 'zh-hans')} {policy.number}" in pdf_titles(chinese.content)
    assert label("Policy schedule", "zh-hans") != "Policy schedule"
    assert pages(chinese.content) >= 1
    assert english.status_code == 200
    assert english["Content-Disposition"] == f'inline; filename="{policy.number}-en.pdf"'
    assert f"Policy schedule {policy.number}" in pdf_titles(english.content)


def test_an_earlier_version_on_request_and_bad_parameters_named(api_client_for, endorsed):
    client, _user = api_client_for("clerk")

    first = client.get(f"/api/v1/policies/{endorsed.pk}/schedule.pdf?version=1&lang=en")
    missing = client.get(f"/api/v1/policies/{endorsed.pk}/schedule.pdf?version=9")
    french = client.get(f"/api/v1/policies/{endorsed.pk}/schedule.pdf?lang=fr")

    assert first.status_code == 200
    assert first["Content-Disposition"] == f'inline; filename="{endorsed.number}-v1-en.pdf"'
    assert f"Policy schedule {endorsed.number}" in pdf_titles(first.content)
    assert missing.status_code == 422
    assert [(f["field"], f["rule"]) for f in missing.json()["fields"]] == [("version", "not_found")]
    assert french.status_code == 422
    assert [(f["field"], f["rule"]) for f in french.json()["fields"]] == [("lang", "choice")]


def test_the_endorsement_document_is_a_pdf_named_for_the_endorsement(api_client_for, endorsed):
    client, _user = api_client_for("clerk")

    response = client.get(f"/api/v1/policies/{endorsed.pk}/endorsements/1/document.pdf?lang=en")
    unknown = client.get(f"/api/v1/policies/{endorsed.pk}/endorsements/2/document.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (f'inline; filename="{endorsed.number}-E001-en.pdf"')
    assert f"Endorsement {endorsed.number}-E001" in pdf_titles(response.content)
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "policy_endorsement_not_found"


def test_a_customer_gets_their_own_documents(owner, endorsed):
    schedule = owner.get(f"/api/v1/policies/{endorsed.pk}/schedule.pdf")
    endorsement = owner.get(f"/api/v1/policies/{endorsed.pk}/endorsements/1/document.pdf")

    assert schedule.status_code == 200
    assert f"{label('Policy schedule', 'zh-hans')} {endorsed.number}" in pdf_titles(
        schedule.content
    )
    assert endorsement.status_code == 200
    assert f"{label('Endorsement', 'zh-hans')} {endorsed.number}-E001" in pdf_titles(
        endorsement.content
    )


def test_another_customer_gets_no_document_and_learns_nothing(outsider, endorsed):
    paths = [
        f"/api/v1/policies/{endorsed.pk}/schedule.pdf",
        f"/api/v1/policies/{endorsed.pk}/schedule.pdf?version=1",
        f"/api/v1/policies/{endorsed.pk}/endorsements/1/document.pdf",
        f"/api/v1/policies/{endorsed.pk}/endorsements/9/document.pdf",
        f"/api/v1/policies/{endorsed.pk}/endorsements",
        f"/api/v1/policies/{endorsed.pk}/endorsements/1",
        f"/api/v1/policies/{endorsed.pk + 100}/schedule.pdf",
    ]

    answers = [outsider.get(path) for path in paths]

    assert [a.status_code for a in answers] == [404] * len(paths)
    assert {a.json()["code"] for a in answers} == {"policies_policy_not_found"}
    assert not any(endorsed.number in a.content.decode() for a in answers)


def test_endorsements_listed_with_their_calculation(api_client_for, endorsed):
    client, _user = api_client_for("auditor")

    listed = client.get(f"/api/v1/policies/{endorsed.pk}/endorsements").json()
    one = client.get(f"/api/v1/policies/{endorsed.pk}/endorsements/1").json()

    assert [(e["sequence"], e["kind"], e["effective_on"]) for e in listed] == [
        (1, "change_sum", "2026-06-22")
    ]
    assert one == listed[0]
    stored = Endorsement.objects.get(policy=endorsed)
    assert D(one["premium_change"]) == stored.premium_change > 0
    assert one["calculation"] == stored.calculation
    assert (one["out_of_sequence"], one["servicing_request_id"]) == (False, None)
