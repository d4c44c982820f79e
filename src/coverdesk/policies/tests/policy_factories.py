"""Test data for new business, policies and servicing: the staff, the police aviation customer
with a portal user, the fleet of domain.md §5 and a crew, and policies issued through the
new-business services on the shipped aviation product."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from coverdesk.accounts.models import Department
from coverdesk.accounts.tests.factories import make_user
from coverdesk.parties.services import customer_access_grant
from coverdesk.parties.tests.factories import make_organisation
from coverdesk.policies.models import Aircraft, ApplicationDocument, InsuredPerson
from coverdesk.policies.services.new_business import (
    application_approve,
    application_create,
    application_issue,
    application_payment_record,
    application_submit,
    needs_intake_create,
    quote_create,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
PRODUCT = "aviation-programme"
PERIOD_START = date(2025, 12, 22)
PERIOD_END = date(2026, 12, 21)
AVIATION = "aviation_comprehensive"
GROUP = "group_accident"
LICENCE = "pilot_loss_of_licence"
AGREED_VALUE = Decimal("70000000.00")


def at(year, month, day, hour=10, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


ISSUE_DAY = at(2025, 12, 15, 9)  # a Monday


@dataclass
class Team:
    broker: object
    clerk: object
    head: object
    manager: object
    agent: object
    admin: object


def make_team():
    team = Team(
        broker=make_user("broker"),
        clerk=make_user("clerk"),
        head=make_user("head"),
        manager=make_user("manager"),
        agent=make_user("agent"),
        admin=make_user("admin"),
    )
    # The clerk's department head is the one a servicing failure is reported to.
    Department.objects.filter(pk=team.clerk.department_id).update(head=team.head)
    team.clerk.refresh_from_db()
    return team


def make_customer(*, name="市公安局警务航空队", credit_code="91440101MA5CXXXXX2"):
    return make_organisation(name=name, credit_code=credit_code)


def make_portal_user(customer):
    user = make_user("customer")
    customer_access_grant(user=user, party=customer, acting_user=None)
    return user


FLEET = [
    ("H145", "4401120088", 2016, 2, 6),
    ("H145", "4401220255", 2019, 2, 6),
    ("H175", "4401350701", 2024, 2, 16),
]


def make_fleet(customer):
    return [
        Aircraft.objects.create(
            customer=customer,
            model=model,
            manufacturer="Airbus Helicopters",
            registration_mark=mark,
            serial_number=f"SN-{mark[-4:]}",
            agreed_value=AGREED_VALUE,
            purchase_year=year,
            crew_seats=crew,
            passenger_seats=passengers,
            ownership="owned",
        )
        for model, mark, year, crew, passengers in FLEET
    ]


def make_person(customer, name, category, serial):
    return InsuredPerson.objects.create(
        customer=customer,
        name=name,
        id_number=f"44010219800101{serial:04d}",
        category=category,
        occupation={"pilot": "飞行员", "aircrew": "空勤", "ground_crew": "地勤"}[category],
        department="警务航空队",
    )


def make_crew(customer, *, pilots=4, aircrew=4, ground=6):
    people = []
    serial = 1
    for category, count in (("pilot", pilots), ("aircrew", aircrew), ("ground_crew", ground)):
        for n in range(count):
            people.append(make_person(customer, f"{category}-{n + 1}", category, serial))
            serial += 1
    return people


def all_documents(application):
    return list(
        ApplicationDocument.objects.filter(application=application).values_list("code", flat=True)
    )


def issue_policy(
    team,
    customer,
    *,
    coverage_codes,
    aircraft=(),
    persons=(),
    start=ISSUE_DAY,
    period=(PERIOD_START, PERIOD_END),
    complexity="complex",
):
    """A policy issued through the whole new-business path, decided by the manager."""
    step = iter(range(100))

    def now():
        return start + timedelta(minutes=10 * next(step))

    intake = needs_intake_create(
        customer_id=customer.pk,
        insurance_type="航空保险",
        coverage_wanted="机队及机组保障",
        acting_user=team.broker,
        now=now(),
    )
    quote = quote_create(
        intake_id=intake.pk,
        product_code=PRODUCT,
        period_start=period[0],
        period_end=period[1],
        coverage_codes=coverage_codes,
        aircraft_ids=[a.pk for a in aircraft],
        person_ids=[p.pk for p in persons],
        label="方案",
        acting_user=team.broker,
        now=now(),
    )
    application = application_create(
        quote_id=quote.pk, complexity=complexity, acting_user=team.broker, now=now()
    )
    application_submit(
        application_id=application.pk,
        received_documents=all_documents(application),
        acting_user=team.broker,
        now=now(),
    )
    application_approve(application_id=application.pk, acting_user=team.manager, now=now())
    moment = now()
    application_payment_record(
        application_id=application.pk,
        amount=quote.term_premium,
        paid_on=moment.date(),
        payment_reference="PAY-0001",
        acting_user=team.broker,
        now=moment,
    )
    return application_issue(application_id=application.pk, acting_user=team.broker, now=now())
