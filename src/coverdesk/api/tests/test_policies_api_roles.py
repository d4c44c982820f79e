"""One authorization table per resource of the policies area: every endpoint — lists, details
and each workflow action — called by each of the eleven roles and by a customer of another
organisation ("outsider"), on a world with objects in every state the actions need.

Each call runs in a savepoint that is rolled back afterwards, so every role meets the same
state. A refused call (4xx) must leave the database exactly as it was; an accepted write must
change it; a read changes nothing for anyone. "customer" is the portal user of the customer
who owns the world's policies; "outsider" the portal user of another customer.

The PDF renderers are replaced by a stub here (access is what this table tests); the real
documents are checked in test_policies_api_documents.py."""

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from coverdesk.audit.models import AuditEntry
from coverdesk.catalog.models import ProductVersion
from coverdesk.notifications.models import Message
from coverdesk.parties.services import customer_access_grant
from coverdesk.policies.models import (
    AircraftChange,
    Application,
    Consultation,
    Endorsement,
    FollowUp,
    InsuredPersonChange,
    NeedsIntake,
    Policy,
    PolicyVersion,
    Quote,
    ServicingCalculation,
    ServicingRequest,
)
from coverdesk.policies.models.insured import Aircraft, InsuredPerson
from coverdesk.policies.selectors.servicing import servicing_changes_build, servicing_changes_clean
from coverdesk.policies.services.insured import aircraft_update, insured_person_update
from coverdesk.policies.services.new_business import (
    application_approve,
    application_create,
    application_payment_record,
    application_submit,
    needs_intake_create,
    quote_create,
)
from coverdesk.policies.services.policies import endorsement_apply, policy_contract_file
from coverdesk.policies.services.renewals import renewal_quote_create
from coverdesk.policies.services.servicing import (
    servicing_fee_calculate,
    servicing_request_approve,
    servicing_request_receive,
)
from coverdesk.policies.tests.insured_factories import ID_CREW, ID_PILOT
from coverdesk.policies.tests.policy_factories import (
    AVIATION,
    GROUP,
    ISSUE_DAY,
    PRODUCT,
    all_documents,
    issue_policy,
    make_customer,
    make_fleet,
    make_person,
    make_team,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)  # a Friday, a month before the policies end
TODAY = "2026-11-20"
STAFF = [
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
]
ROLES = [*STAFF, "customer", "outsider"]
SERVICING_DOCUMENTS = ["servicing_application", "applicant_identity", "persons_added"]


def table(staff: int, customer: int, outsider: int | None = None, **roles: int) -> dict:
    """Expected status per role: `staff` for every staff role unless named in `roles`."""
    expected = dict.fromkeys(STAFF, staff)
    expected.update(roles)
    expected["customer"] = customer
    expected["outsider"] = customer if outsider is None else outsider
    return expected


def only(status: int, *roles: str, others: int = 403, customer: int = 403, outsider: int = 404):
    """`status` for the named staff roles, `others` for the rest of the staff."""
    return table(others, customer, outsider, **dict.fromkeys(roles, status))


EVERYONE = table(200, 200)  # lists: everyone may ask; what they see is tested elsewhere
OWN = table(200, 200, 404)  # an object of the customer: staff and its customer
STAFF_WORK = table(200, 404)  # new business: for customers it does not exist
STAFF_REPORT = table(200, 403)  # reports over all customers: staff only


# The world -----------------------------------------------------------------------------------


@dataclass
class World:
    team: Any
    customer: Any
    other: Any
    fleet: list
    pilots: list
    newcomers: list
    policy: Policy = None  # aviation, three helicopters, an endorsement, not filed
    group: Policy = None  # group accident, filed (follow-ups), servicing requests, a renewal quote
    endorsement: Endorsement = None
    renewal_quote: Quote = None
    follow_up: FollowUp = None
    intake: NeedsIntake = None
    quote: Quote = None  # offered, on the intake
    draft: Application = None
    waiting: Application = None  # waiting for documents
    # complete, for a decision (210 M insured: above the head's authority)
    in_review: Application = None
    approved: Application = None
    paid: Application = None
    request_waiting: ServicingRequest = None
    request_in_review: ServicingRequest = None
    request_awaiting: ServicingRequest = None  # awaiting the customer's confirmation
    request_calculated: ServicingRequest = None
    request_completed: ServicingRequest = None
    version: ProductVersion | None = None


def _minutes(n: int) -> timedelta:
    return timedelta(minutes=n)


class _Clock:
    """Distinct instants on the frozen day, before NOW, in call order."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self) -> datetime:
        self.n += 1
        return NOW.replace(hour=8) + _minutes(self.n)


def _quote(team, customer, intake, moment, *, aircraft=(), persons=(), coverage=AVIATION):
    return quote_create(
        intake_id=intake.pk,
        product_code=PRODUCT,
        period_start=datetime(2027, 1, 1).date(),
        period_end=datetime(2027, 12, 31).date(),
        coverage_codes=[coverage],
        aircraft_ids=[a.pk for a in aircraft],
        person_ids=[p.pk for p in persons],
        label="方案",
        acting_user=team.broker,
        now=moment,
    )


def _application(team, customer, intake, clock, fleet, *, stage):
    """An application of the fleet's aviation cover brought to `stage`."""
    quote = _quote(team, customer, intake, clock(), aircraft=fleet)
    application = application_create(
        quote_id=quote.pk, complexity="complex", acting_user=team.broker, now=clock()
    )
    if stage == "draft":
        return application
    documents = all_documents(application)
    received = documents[:1] if stage == "waiting" else documents
    application_submit(
        application_id=application.pk,
        received_documents=received,
        acting_user=team.broker,
        now=clock(),
    )
    if stage in ("waiting", "in_review"):
        return application
    application_approve(application_id=application.pk, acting_user=team.manager, now=clock())
    if stage == "approved":
        return application
    application_payment_record(
        application_id=application.pk,
        amount=quote.term_premium,
        paid_on=NOW.date(),
        payment_reference="PAY-W",
        acting_user=team.broker,
        now=clock(),
    )
    return application


def _request(team, group, person, clock, *, documents=SERVICING_DOCUMENTS):
    return servicing_request_receive(
        policy_id=group.pk,
        kind="add_persons",
        channel="counter",
        requester_name="郑海",
        identity_method="authorisation",
        identity_reference="44010219800101999X",
        effective_on=datetime(2026, 12, 1).date(),
        changes=[{"op": "add_person", "person_id": person.pk}],
        received_documents=documents,
        acting_user=team.clerk,
        now=clock(),
    )


def build_world(*, full: bool = True) -> World:
    """The customers, their fleet and crew with a change each; with `full`, everything else."""
    team = make_team()
    customer = make_customer()
    other = make_customer(name="另一家航空公司", credit_code="91110000100000000R")
    fleet = make_fleet(customer)
    pilots = [make_person(customer, f"机长{n}", "pilot", n) for n in (1, 2)]
    newcomers = [make_person(customer, f"新机务{n}", "ground_crew", 10 + n) for n in range(5)]
    clock = _Clock()
    # History on an aircraft and a person, for their change logs.
    aircraft_update(
        acting_user=team.clerk,
        aircraft_id=fleet[0].pk,
        notes="年检完成",
        reason="年检",
        now=clock(),
    )
    insured_person_update(
        acting_user=team.clerk, person_id=pilots[0].pk, department="飞行一中队", now=clock()
    )
    version = ProductVersion.objects.get(product__code=PRODUCT, number=1)
    if not full:
        return World(team, customer, other, fleet, pilots, newcomers, version=version)
    policy = issue_policy(team, customer, coverage_codes=[AVIATION], aircraft=fleet)
    group = issue_policy(
        team, customer, coverage_codes=[GROUP], persons=pilots, start=ISSUE_DAY + _minutes(600)
    )
    change = [{"op": "set_agreed_value", "aircraft_id": fleet[0].pk, "agreed_value": "80000000"}]
    cleaned = servicing_changes_clean(policy=policy, kind="change_sum", changes=change)
    endorsement = endorsement_apply(
        policy_id=policy.pk,
        kind="change_sum",
        effective_on=datetime(2026, 6, 22).date(),
        changes=servicing_changes_build(policy=policy, changes=cleaned),
        acting_user=team.manager,
        now=clock(),
    )
    policy_contract_file(
        policy_id=group.pk, filing_reference="档案-2025-17", acting_user=team.broker, now=clock()
    )
    follow_up = FollowUp.objects.filter(policy=group).order_by("due_on").first()
    renewal_quote = renewal_quote_create(policy_id=group.pk, acting_user=team.broker, now=clock())
    # Servicing requests on the group policy, one person each, in every state.
    completed = _request(team, group, newcomers[0], clock)
    servicing_fee_calculate(request_id=completed.pk, acting_user=team.clerk, now=clock())
    servicing_request_approve(request_id=completed.pk, acting_user=team.manager, now=clock())
    waiting = _request(team, group, newcomers[1], clock, documents=SERVICING_DOCUMENTS[:1])
    in_review = _request(team, group, newcomers[2], clock)
    awaiting = _request(team, group, newcomers[3], clock)
    servicing_fee_calculate(
        request_id=awaiting.pk, acting_user=team.clerk, confirm_with_customer=True, now=clock()
    )
    calculated = _request(team, group, newcomers[4], clock)
    servicing_fee_calculate(request_id=calculated.pk, acting_user=team.clerk, now=clock())
    # New business for the same customer.
    intake = needs_intake_create(
        customer_id=customer.pk,
        insurance_type="航空保险",
        coverage_wanted="新增机队保障",
        acting_user=team.broker,
        now=clock(),
    )
    stages = {
        stage: _application(team, customer, intake, clock, fleet, stage=stage)
        for stage in ("draft", "waiting", "in_review", "approved", "paid")
    }
    # Last: filing an application declines the intake's other offers.
    quote = _quote(team, customer, intake, clock(), aircraft=fleet)
    return World(
        team=team,
        customer=customer,
        other=other,
        fleet=fleet,
        pilots=pilots,
        newcomers=newcomers,
        policy=policy,
        group=group,
        endorsement=endorsement,
        renewal_quote=renewal_quote,
        follow_up=follow_up,
        intake=intake,
        quote=quote,
        draft=stages["draft"],
        waiting=stages["waiting"],
        in_review=stages["in_review"],
        approved=stages["approved"],
        paid=stages["paid"],
        request_waiting=waiting,
        request_in_review=in_review,
        request_awaiting=awaiting,
        request_calculated=calculated,
        request_completed=completed,
        version=version,
    )


def state(*, audit: bool = True) -> tuple:
    """Everything a call of these endpoints could change (API tokens' last use aside);
    `audit=False` leaves the audit trail out."""
    counted = [
        Policy,
        PolicyVersion,
        Endorsement,
        ServicingRequest,
        ServicingCalculation,
        Application,
        Quote,
        NeedsIntake,
        Consultation,
        FollowUp,
        Aircraft,
        InsuredPerson,
        AircraftChange,
        InsuredPersonChange,
        AuditEntry,
        Message,
    ]
    return (
        tuple(model.objects.count() for model in counted if audit or model is not AuditEntry),
        tuple(Policy.objects.values_list("pk", "status", "renewal_status", "filed_at")),
        tuple(Application.objects.values_list("pk", "status")),
        tuple(ServicingRequest.objects.values_list("pk", "status", "calculation_number")),
        tuple(Quote.objects.values_list("pk", "status")),
        tuple(NeedsIntake.objects.values_list("pk", "status")),
        tuple(FollowUp.objects.values_list("pk", "done_at")),
        tuple(Aircraft.objects.values_list("pk", "updated_at")),
        tuple(InsuredPerson.objects.values_list("pk", "updated_at")),
    )


# Endpoints -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: Any  # World -> str
    expected: dict
    body: Any = None  # World -> dict (JSON), or ("multipart", World -> dict)
    # Showing personal data unmasked is audited, a refusal too: that entry is all it writes.
    audited: bool = False

    @property
    def writes(self) -> bool:
        return self.audited or (self.method != "get" and not self.name.startswith("preview"))


def _upload_aircraft(w: World) -> dict:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(
        [
            "Model",
            "Registration mark",
            "Agreed value",
            "Year of purchase",
            "Crew seats",
            "Passenger seats",
            "Ownership",
        ]
    )
    writer.writerow(["H135", "B-70AB", "30,000,000.00", "2020", "1", "6", "owned"])
    content = text.getvalue().encode()
    return {
        "file": SimpleUploadedFile("fleet.csv", content, content_type="text/csv"),
        "customer_id": w.customer.pk,
    }


def _upload_persons(w: World) -> dict:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["Name", "ID number", "Category"])
    writer.writerow(["林海", ID_PILOT, "pilot"])
    content = text.getvalue().encode()
    return {
        "file": SimpleUploadedFile("crew.csv", content, content_type="text/csv"),
        "customer_id": w.customer.pk,
    }


def _v(path: str) -> str:
    return f"/api/v1{path}"


PRODUCTS = [
    Endpoint("list", "get", lambda w: _v("/products?q=aviation"), EVERYONE),
    Endpoint("detail", "get", lambda w: _v(f"/products/{PRODUCT}"), EVERYONE),
    Endpoint("version", "get", lambda w: _v(f"/product-versions/{w.version.pk}"), EVERYONE),
]

WRITERS = ("broker", "clerk")  # keep the insured-object registers

INSURED = [
    Endpoint("aircraft list", "get", lambda w: _v("/aircraft"), EVERYONE),
    Endpoint("aircraft", "get", lambda w: _v(f"/aircraft/{w.fleet[0].pk}"), OWN),
    Endpoint("aircraft history", "get", lambda w: _v(f"/aircraft/{w.fleet[0].pk}/changes"), OWN),
    Endpoint(
        "aircraft register",
        "post",
        lambda w: _v("/aircraft"),
        only(201, *WRITERS, outsider=403),
        lambda w: {
            "customer_id": w.customer.pk,
            "model": "H135",
            "registration_mark": "B-70AB",
            "agreed_value": "30000000.00",
            "purchase_year": 2020,
            "crew_seats": 1,
            "passenger_seats": 6,
            "ownership": "owned",
        },
    ),
    Endpoint(
        "aircraft change",
        "patch",
        lambda w: _v(f"/aircraft/{w.fleet[1].pk}"),
        only(200, *WRITERS),
        lambda w: {"notes": "换装夜航设备", "reason": "设备更新"},
    ),
    Endpoint(
        "aircraft import",
        "post",
        lambda w: _v("/aircraft/import"),
        only(200, *WRITERS, outsider=403),
        ("multipart", _upload_aircraft),
    ),
    Endpoint("person list", "get", lambda w: _v("/insured-persons"), EVERYONE),
    Endpoint("person", "get", lambda w: _v(f"/insured-persons/{w.pilots[0].pk}"), OWN),
    Endpoint(
        "person history", "get", lambda w: _v(f"/insured-persons/{w.pilots[0].pk}/changes"), OWN
    ),
    # parties.view_pii: brokers, clerks, adjusters and back office; never a customer.
    Endpoint(
        "person ID number",
        "get",
        lambda w: _v(f"/insured-persons/{w.pilots[0].pk}/id-number"),
        only(200, "broker", "clerk", "adjuster", "backoffice"),
        audited=True,
    ),
    Endpoint(
        "person add",
        "post",
        lambda w: _v("/insured-persons"),
        only(201, *WRITERS, outsider=403),
        lambda w: {
            "customer_id": w.customer.pk,
            "name": "空勤甲",
            "id_number": ID_CREW,
            "category": "aircrew",
        },
    ),
    Endpoint(
        "person change",
        "patch",
        lambda w: _v(f"/insured-persons/{w.pilots[1].pk}"),
        only(200, *WRITERS),
        lambda w: {"department": "飞行二中队"},
    ),
    Endpoint(
        "person import",
        "post",
        lambda w: _v("/insured-persons/import"),
        only(200, *WRITERS, outsider=403),
        ("multipart", _upload_persons),
    ),
]

SELLERS = ("broker",)  # manage_new_business
UNDERWRITERS = ("broker", "head", "manager")
ISSUERS = ("broker", "manager")


def _nb(status: int, *roles: str) -> dict:
    """New-business actions: for customers the object does not exist."""
    return only(status, *roles, customer=404)


def _quote_body(w: World) -> dict:
    return {
        "intake_id": w.intake.pk,
        "product_code": PRODUCT,
        "period_start": "2027-01-01",
        "period_end": "2027-12-31",
        "coverage_codes": [AVIATION],
        "aircraft_ids": [a.pk for a in w.fleet],
        "label": "方案二",
    }


NEW_BUSINESS = [
    Endpoint("intake list", "get", lambda w: _v("/needs-intakes"), EVERYONE),
    Endpoint(
        "intake create",
        "post",
        lambda w: _v("/needs-intakes"),
        only(201, *SELLERS, outsider=403),
        lambda w: {
            "customer_id": w.customer.pk,
            "insurance_type": "航空保险",
            "coverage_wanted": "续保咨询",
        },
    ),
    Endpoint("intake", "get", lambda w: _v(f"/needs-intakes/{w.intake.pk}"), STAFF_WORK),
    Endpoint(
        "consultation",
        "post",
        lambda w: _v(f"/needs-intakes/{w.intake.pk}/consultations"),
        _nb(201, *SELLERS),
        lambda w: {
            "occurred_at": "2026-11-19T15:00:00+08:00",
            "channel": "meeting",
            "summary": "介绍机身险与第三者责任",
        },
    ),
    Endpoint(
        "intake quotes", "get", lambda w: _v(f"/needs-intakes/{w.intake.pk}/quotes"), STAFF_WORK
    ),
    Endpoint("quote list", "get", lambda w: _v("/quotes"), EVERYONE),
    Endpoint(
        "quote create",
        "post",
        lambda w: _v("/quotes"),
        only(201, *SELLERS, outsider=403),
        _quote_body,
    ),
    Endpoint("quote", "get", lambda w: _v(f"/quotes/{w.quote.pk}"), STAFF_WORK),
    Endpoint(
        "quote decline", "post", lambda w: _v(f"/quotes/{w.quote.pk}/decline"), _nb(200, *SELLERS)
    ),
    Endpoint("follow-ups", "get", lambda w: _v("/follow-ups?on=2027-12-31"), EVERYONE),
    Endpoint(
        "follow-up done",
        "post",
        lambda w: _v(f"/follow-ups/{w.follow_up.pk}/complete"),
        _nb(200, *SELLERS),
        lambda w: {"note": "已电话回访"},
    ),
]

APPLICATIONS = [
    Endpoint("list", "get", lambda w: _v("/applications"), EVERYONE),
    Endpoint("detail", "get", lambda w: _v(f"/applications/{w.draft.pk}"), STAFF_WORK),
    Endpoint(
        "create",
        "post",
        lambda w: _v("/applications"),
        _nb(201, *SELLERS),
        lambda w: {"quote_id": w.quote.pk, "complexity": "complex"},
    ),
    Endpoint(
        "submit",
        "post",
        lambda w: _v(f"/applications/{w.draft.pk}/submit"),
        _nb(200, *SELLERS),
        lambda w: {"received_documents": all_documents(w.draft)},
    ),
    Endpoint(
        "documents",
        "post",
        lambda w: _v(f"/applications/{w.waiting.pk}/documents"),
        _nb(200, *SELLERS),
        lambda w: {"received": all_documents(w.waiting)},
    ),
    # 210 M insured: the broker (5 M) and the head (100 M) are above their authority.
    Endpoint(
        "approve",
        "post",
        lambda w: _v(f"/applications/{w.in_review.pk}/approve"),
        _nb(200, "manager"),
        lambda w: {"note": ""},
    ),
    Endpoint(
        "refer",
        "post",
        lambda w: _v(f"/applications/{w.in_review.pk}/refer"),
        _nb(200, *UNDERWRITERS),
        lambda w: {"reasons": ["超出核保权限"]},
    ),
    Endpoint(
        "decline",
        "post",
        lambda w: _v(f"/applications/{w.in_review.pk}/decline"),
        _nb(200, *UNDERWRITERS),
        lambda w: {"reasons": ["风险过高"]},
    ),
    Endpoint(
        "payment",
        "post",
        lambda w: _v(f"/applications/{w.approved.pk}/payment"),
        _nb(200, *ISSUERS),
        lambda w: {
            "amount": str(w.approved.quote.term_premium),
            "paid_on": TODAY,
            "payment_reference": "PAY-T",
        },
    ),
    Endpoint("issue", "post", lambda w: _v(f"/applications/{w.paid.pk}/issue"), _nb(201, *ISSUERS)),
    Endpoint(
        "withdraw",
        "post",
        lambda w: _v(f"/applications/{w.waiting.pk}/withdraw"),
        _nb(200, *SELLERS),
        lambda w: {"reason": "客户另有安排"},
    ),
]

SERVICERS = ("clerk",)  # process_servicing
APPROVERS = ("clerk", "head", "manager")  # approve_servicing


def _p(w: World, rest: str = "") -> str:
    return _v(f"/policies/{w.policy.pk}{rest}")


POLICIES = [
    Endpoint("list", "get", lambda w: _v("/policies"), EVERYONE),
    Endpoint(
        "expiring",
        "get",
        lambda w: _v(f"/policies/expiring?first_day={TODAY}&last_day=2026-12-31"),
        STAFF_REPORT,
    ),
    Endpoint(
        "statistics",
        "get",
        lambda w: _v("/policies/statistics?first_day=2025-01-01&last_day=2026-12-31"),
        STAFF_REPORT,
    ),
    Endpoint("detail", "get", lambda w: _p(w), OWN),
    Endpoint("version", "get", lambda w: _p(w, "/versions/2"), OWN),
    Endpoint("in force", "get", lambda w: _p(w, "/in-force?on=2026-07-01"), OWN),
    Endpoint("schedule", "get", lambda w: _p(w, "/schedule.pdf?lang=en"), OWN),
    Endpoint("endorsements", "get", lambda w: _p(w, "/endorsements"), OWN),
    Endpoint("endorsement", "get", lambda w: _p(w, "/endorsements/1"), OWN),
    Endpoint("endorsement document", "get", lambda w: _p(w, "/endorsements/1/document.pdf"), OWN),
    Endpoint(
        "preview refund",
        "post",
        lambda w: _p(w, "/preview"),
        OWN,
        lambda w: {"kind": "cancellation", "cancel_on": "2026-12-01"},
    ),
    Endpoint(
        "endorse",
        "post",
        lambda w: _p(w, "/endorsements"),
        only(201, *APPROVERS, customer=403, outsider=403),
        lambda w: {
            "type": "change_sum",
            "effective_on": "2026-12-01",
            "changes": [
                {"op": "set_agreed_value", "aircraft_id": w.fleet[1].pk, "agreed_value": "75000000"}
            ],
        },
    ),
    Endpoint(
        "cancel",
        "post",
        lambda w: _p(w, "/cancel"),
        only(200, *APPROVERS, customer=403, outsider=403),
        lambda w: {"cancel_on": "2026-12-01"},
    ),
    Endpoint(
        "file",
        "post",
        lambda w: _p(w, "/file"),
        only(200, *ISSUERS),
        lambda w: {"filing_reference": "档案-2025-18"},
    ),
    Endpoint(
        "renewal quote",
        "post",
        lambda w: _v(f"/policies/{w.group.pk}/renewal-quote"),
        only(201, *SELLERS),
        lambda w: {"label": "续保方案"},
    ),
    # 6 M insured: above the broker's 5 M underwriting authority.
    Endpoint(
        "renew",
        "post",
        lambda w: _v(f"/policies/{w.group.pk}/renew"),
        only(201, "manager"),
        lambda w: {
            "quote_id": w.renewal_quote.pk,
            "premium_paid": str(w.renewal_quote.term_premium),
            "paid_on": TODAY,
            "payment_reference": "PAY-R",
        },
    ),
]


def _r(request: ServicingRequest, rest: str = "") -> str:
    return _v(f"/servicing-requests/{request.pk}{rest}")


SERVICING = [
    Endpoint("list", "get", lambda w: _v("/servicing-requests"), EVERYONE),
    Endpoint("detail", "get", lambda w: _r(w.request_completed), OWN),
    Endpoint(
        "receive",
        "post",
        lambda w: _v("/servicing-requests"),
        only(201, *SERVICERS),
        lambda w: {
            "policy_id": w.group.pk,
            "kind": "add_persons",
            "channel": "counter",
            "requester_name": "郑海",
            "identity_method": "authorisation",
            "identity_reference": "44010219800101999X",
            "effective_on": "2026-12-10",
            "changes": [{"op": "add_person", "person_id": w.newcomers[1].pk}],
        },
    ),
    Endpoint(
        "documents",
        "post",
        lambda w: _r(w.request_waiting, "/documents"),
        only(200, *SERVICERS),
        lambda w: {"received": SERVICING_DOCUMENTS[1:]},
    ),
    Endpoint(
        "calculate", "post", lambda w: _r(w.request_in_review, "/calculate"), only(200, *SERVICERS)
    ),
    # The customer confirms in the portal, or a clerk records it; for other staff the
    # confirmation does not exist.
    Endpoint(
        "confirm",
        "post",
        lambda w: _r(w.request_awaiting, "/confirm"),
        only(200, *SERVICERS, others=404, customer=200),
        lambda w: {"calculation_number": 1, "note": "客户电话确认"},
    ),
    Endpoint(
        "approve", "post", lambda w: _r(w.request_calculated, "/approve"), only(200, *APPROVERS)
    ),
    Endpoint(
        "reject",
        "post",
        lambda w: _r(w.request_waiting, "/reject"),
        only(200, *SERVICERS),
        lambda w: {"reason": "资料不实"},
    ),
    Endpoint(
        "withdraw",
        "post",
        lambda w: _r(w.request_waiting, "/withdraw"),
        only(200, *SERVICERS),
        lambda w: {"reason": "客户撤回"},
    ),
    Endpoint(
        "archive",
        "post",
        lambda w: _r(w.request_completed, "/archive"),
        only(200, *SERVICERS),
        lambda w: {"outcome_note": "客户已确认批单"},
    ),
]

RESOURCES = {
    "products": PRODUCTS,
    "insured": INSURED,
    "new business": NEW_BUSINESS,
    "applications": APPLICATIONS,
    "policies": POLICIES,
    "servicing": SERVICING,
}


# The test -------------------------------------------------------------------------------------


@pytest.fixture
def clients(api_client_for):
    def make(world: World) -> dict:
        made = {role: api_client_for(role)[0] for role in STAFF}
        customer, customer_user = api_client_for("customer")
        outsider, outsider_user = api_client_for("customer")
        customer_access_grant(user=customer_user, party=world.customer, acting_user=None)
        customer_access_grant(user=outsider_user, party=world.other, acting_user=None)
        return {**made, "customer": customer, "outsider": outsider}

    return make


@pytest.fixture
def frozen(monkeypatch):
    monkeypatch.setattr("coverdesk.core.clock.now", lambda: NOW)
    # Access is what these tables test; the documents are rendered in their own tests.
    monkeypatch.setattr(
        "coverdesk.api.policies.apis.policy_schedule_pdf", lambda **kwargs: b"%PDF-1.7 stub"
    )
    monkeypatch.setattr(
        "coverdesk.api.policies.apis.endorsement_pdf", lambda **kwargs: b"%PDF-1.7 stub"
    )


def _send(client, endpoint: Endpoint, world: World):
    path = endpoint.path(world)
    if endpoint.body is None:
        if endpoint.method == "get":
            return client.get(path)
        return getattr(client, endpoint.method)(path, {}, content_type="application/json")
    if isinstance(endpoint.body, tuple):
        return client.post(path, endpoint.body[1](world))
    return getattr(client, endpoint.method)(
        path, endpoint.body(world), content_type="application/json"
    )


def _attempt(client, endpoint: Endpoint, world: World) -> tuple[int, bool, str]:
    """(status, whether the database changed, the answer's start) — then undone. For an
    audited endpoint a refusal may leave its one audit entry, recording the refusal."""
    with transaction.atomic():
        before, audits = state(), AuditEntry.objects.count()
        before_unaudited = state(audit=False) if endpoint.audited else None
        response = _send(client, endpoint, world)
        changed = state() != before
        if endpoint.audited and response.status_code == 403:
            denied = AuditEntry.objects.order_by("-pk")[:1].values_list("result", flat=True)
            changed = not (
                AuditEntry.objects.count() == audits + 1
                and list(denied) == ["denied"]
                and state(audit=False) == before_unaudited
            )
        transaction.set_rollback(True)
    return response.status_code, changed, response.content[:300].decode(errors="replace")


@pytest.mark.parametrize("resource", list(RESOURCES))
def test_every_endpoint_answers_each_role_as_its_table_says(resource, frozen, clients):
    world = build_world(full=resource not in ("products", "insured"))
    by_role = clients(world)
    actual, expected, leaks = {}, {}, []
    for endpoint in RESOURCES[resource]:
        for role in ROLES:
            status, changed, answer = _attempt(by_role[role], endpoint, world)
            actual[(endpoint.name, role)] = status
            expected[(endpoint.name, role)] = endpoint.expected[role]
            if status >= 400 and changed:
                leaks.append((endpoint.name, role, status, "refused but changed something"))
            if status < 400 and endpoint.writes and not changed:
                leaks.append((endpoint.name, role, status, "accepted but changed nothing"))
            if status < 400 and not endpoint.writes and changed:
                leaks.append((endpoint.name, role, status, "a read changed something"))
            if status != endpoint.expected[role]:
                leaks.append((endpoint.name, role, status, answer))

    assert actual == expected, leaks
    assert leaks == []


# Completeness ---------------------------------------------------------------------------------

AREA_TAGS = {"policies", "insured objects", "servicing", "products", "new business"}


def area_operations() -> set[tuple[str, str]]:
    """(method, path template) of every endpoint of the policies area, from the schema."""
    from coverdesk.api.urls import api

    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    return {
        (method, path)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if AREA_TAGS & set(operation.get("tags", []))
    }


class _AnyObject:
    """Stands in for the world's objects when only a path is wanted: every id is 1."""

    pk = 1

    def __getattr__(self, name: str) -> "_AnyObject":
        return self

    def __getitem__(self, index: int) -> "_AnyObject":
        return self


def operation_of(method: str, path: str, operations: set[tuple[str, str]]) -> tuple[str, str]:
    """The operation a concrete path calls: a literal path (/policies/expiring) before a
    template that would also match it (/policies/{policy_id})."""
    import re

    bare = path.split("?")[0]
    if (method, bare) in operations:
        return method, bare
    for op_method, template in operations:
        pattern = re.sub(r"\\\{[a-z_]+\\\}", r"[^/]+", re.escape(template))
        if op_method == method and re.fullmatch(pattern, bare):
            return op_method, template
    return method, bare


def test_the_tables_cover_every_endpoint_of_the_area():
    operations = area_operations()
    covered = {
        operation_of(endpoint.method, endpoint.path(_AnyObject()), operations)
        for endpoints in RESOURCES.values()
        for endpoint in endpoints
    }

    assert covered == operations
