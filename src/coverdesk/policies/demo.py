"""Demo insured objects of the aviation programme (domain.md §5): the three police helicopters
and a group of twelve insured pilots, aircrew and ground crew, made through the services.

Idempotent: an aircraft whose registration mark is on the register, or a person whose ID number
the customer already has, is left alone. The ID numbers are fictitious (area code 440199 is
not assigned; the check characters are valid) and so are the names, marked （演示）.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.db import transaction

from coverdesk.accounts.models import User
from coverdesk.catalog.choices import PersonCategory
from coverdesk.core.fields import blind_index_value
from coverdesk.parties.choices import IndexPurpose
from coverdesk.parties.models import Party
from coverdesk.parties.validation import id_number_check_char
from coverdesk.policies.models.insured import Aircraft, InsuredPerson, Ownership
from coverdesk.policies.services.insured import aircraft_register, insured_person_add

AGREED_VALUE = Decimal("70000000.00")
MANUFACTURER = "Airbus Helicopters"

# model, registration mark (the identifier the bid lists), year of purchase, crew, passengers
DEMO_FLEET: tuple[tuple[str, str, int, int, int], ...] = (
    ("H145", "4401120088", 2016, 2, 6),
    ("H145", "4401220255", 2019, 2, 6),
    ("H175", "4401350701", 2024, 2, 16),
)


def demo_id_number(born: date, sequence: int) -> str:
    """A fictitious ID number with a valid check character (area 440199 is not assigned)."""
    first17 = f"440199{born:%Y%m%d}{sequence:03d}"
    return first17 + id_number_check_char(first17)


P, A, G = PersonCategory.PILOT, PersonCategory.AIRCREW, PersonCategory.GROUND_CREW
# name, born, sequence, category, occupation, department
DEMO_CREW: tuple[tuple[str, date, int, str, str, str], ...] = (
    ("林海（演示）", date(1980, 3, 14), 11, P, "机长", "飞行大队"),
    ("陈翔（演示）", date(1984, 7, 2), 13, P, "机长", "飞行大队"),
    ("赵云峰（演示）", date(1988, 11, 20), 15, P, "副驾驶", "飞行大队"),
    ("孙长空（演示）", date(1991, 5, 9), 17, P, "副驾驶", "飞行大队"),
    ("周明（演示）", date(1986, 1, 25), 22, A, "空中观察员", "空勤中队"),
    ("吴晴（演示）", date(1990, 9, 30), 24, A, "空中救援员", "空勤中队"),
    ("郑航（演示）", date(1989, 4, 18), 26, A, "绞车操作员", "空勤中队"),
    ("王蓝天（演示）", date(1993, 12, 6), 28, A, "机载设备操作员", "空勤中队"),
    ("黄志刚（演示）", date(1979, 6, 11), 31, G, "机务工程师", "机务保障中队"),
    ("刘建（演示）", date(1985, 8, 23), 33, G, "机械员", "机务保障中队"),
    ("何平（演示）", date(1992, 2, 17), 35, G, "航电技师", "机务保障中队"),
    ("马力（演示）", date(1995, 10, 4), 37, G, "地面保障员", "机务保障中队"),
)


@transaction.atomic
def demo_policies_objects_load(
    *, customer: Party, acting_user: User, now: datetime | None = None
) -> list[str]:
    """Register the demo fleet and crew for `customer` (the police aviation unit) as
    `acting_user`, who needs policies.add_aircraft and policies.add_insuredperson. Returns what
    was created; loading twice creates nothing the second time."""
    created: list[str] = []
    for model, mark, year, crew, passengers in DEMO_FLEET:
        if Aircraft.objects.filter(registration_mark=mark).exists():
            continue
        aircraft_register(
            acting_user=acting_user,
            customer_id=customer.pk,
            model=model,
            manufacturer=MANUFACTURER,
            registration_mark=mark,
            agreed_value=AGREED_VALUE,
            purchase_year=year,
            crew_seats=crew,
            passenger_seats=passengers,
            ownership=Ownership.OWNED,
            notes="航空保险服务项目投标方案（2025-2026）所列警用直升机",
            now=now,
        )
        created.append(f"aircraft {model} {mark}")
    for name, born, sequence, category, occupation, department in DEMO_CREW:
        number = demo_id_number(born, sequence)
        index = blind_index_value(number, IndexPurpose.ID_NUMBER)
        if InsuredPerson.objects.filter(customer=customer, id_number_index=index).exists():
            continue
        insured_person_add(
            acting_user=acting_user,
            customer_id=customer.pk,
            name=name,
            id_number=number,
            category=category,
            occupation=occupation,
            department=department,
            now=now,
        )
        created.append(f"insured person {name}")
    return created


# Demo policies and servicing (new business, policies, servicing) ---------------------------

DEMO_PERIOD = (date(2025, 12, 22), date(2026, 12, 21))
DEMO_PRODUCT = "aviation-programme"
DEMO_MARKER = "（演示）"


def _demo_role_user(role: str, fallback: User) -> User:
    """The first active demo user holding `role`, else `fallback`."""
    user = User.objects.filter(groups__name=role, is_active=True).order_by("pk").first()
    return user or fallback


def demo_policies_load(
    *, customer: Party, acting_user: User, now: datetime | None = None
) -> list[str]:
    """Three issued policies of the aviation programme for 2025-12-22 to 2026-12-21 (aviation
    comprehensive on the fleet, group accident for the crew but one, pilot loss of licence for
    the pilots), each through the new-business services and filed; and servicing requests in
    several states: one completed with a refund (a ground crew member removed from 03-01), one
    past its deadline (a revaluation in review), one waiting for the customer's documents.

    The work is done by the demo broker, clerk and manager (the first active user of each role),
    else by `acting_user`. Registers the demo fleet and crew first if needed. Idempotent:
    what exists is left alone."""
    from datetime import timedelta

    from django.utils import timezone

    from coverdesk.core import clock
    from coverdesk.policies.models import Policy, ServicingRequest
    from coverdesk.policies.services.new_business import (
        application_approve,
        application_create,
        application_issue,
        application_payment_record,
        application_submit,
        needs_intake_create,
        quote_create,
    )
    from coverdesk.policies.services.policies import policy_contract_file
    from coverdesk.policies.services.servicing import (
        servicing_fee_calculate,
        servicing_request_approve,
        servicing_request_archive,
        servicing_request_receive,
    )

    moment = now or clock.now()
    zone = timezone.get_current_timezone()
    broker = _demo_role_user("broker", acting_user)
    clerk = _demo_role_user("clerk", acting_user)
    manager = _demo_role_user("manager", acting_user)
    created = demo_policies_objects_load(customer=customer, acting_user=clerk, now=now)

    def at(day: date, hour: int, minute: int = 0) -> datetime:
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)

    fleet = list(Aircraft.objects.filter(customer=customer).order_by("registration_mark"))
    crew = {p.name: p for p in InsuredPerson.objects.filter(customer=customer)}
    pilots = [p for p in crew.values() if p.category == PersonCategory.PILOT]
    left_out = crew.get("马力（演示）")
    group_crew = [p for p in crew.values() if p is not left_out]

    plans = [
        ("aviation_comprehensive", "航空器综合险：机身、第三者及乘客责任", fleet, [], "complex"),
        ("group_accident", "团体意外伤害保险", [], group_crew, "complex"),
        ("pilot_loss_of_licence", "飞行员执照丧失保险", [], pilots, "simple"),
    ]
    policies: dict[str, Policy] = {}
    for offset, (coverage, wanted, aircraft, persons, complexity) in enumerate(plans):
        existing = Policy.objects.filter(
            customer=customer, period_start=DEMO_PERIOD[0], application__quote__label=wanted
        ).first()
        if existing is not None:
            policies[coverage] = existing
            continue
        day = date(2025, 12, 8) + timedelta(days=offset)
        intake = needs_intake_create(
            customer_id=customer.pk,
            insurance_type=wanted,
            coverage_wanted=f"按投标方案承保{DEMO_MARKER}",
            acting_user=broker,
            now=at(day, 9),
        )
        quote = quote_create(
            intake_id=intake.pk,
            product_code=DEMO_PRODUCT,
            period_start=DEMO_PERIOD[0],
            period_end=DEMO_PERIOD[1],
            coverage_codes=[coverage],
            aircraft_ids=[a.pk for a in aircraft],
            person_ids=[p.pk for p in persons],
            label=wanted,
            acting_user=broker,
            now=at(day, 9, 30),
        )
        application = application_create(
            quote_id=quote.pk, complexity=complexity, acting_user=broker, now=at(day, 10)
        )
        application_submit(
            application_id=application.pk,
            received_documents=list(application.documents.values_list("code", flat=True)),
            acting_user=broker,
            now=at(day, 10, 30),
        )
        application_approve(application_id=application.pk, acting_user=manager, now=at(day, 15))
        application_payment_record(
            application_id=application.pk,
            amount=quote.term_premium,
            paid_on=day + timedelta(days=1),
            payment_reference=f"DEMO-{day:%Y%m%d}",
            acting_user=broker,
            now=at(day + timedelta(days=1), 10),
        )
        policy = application_issue(
            application_id=application.pk, acting_user=broker, now=at(day + timedelta(days=1), 11)
        )
        policy_contract_file(
            policy_id=policy.pk,
            filing_reference=f"档案 {policy.number}",
            acting_user=broker,
            now=at(day + timedelta(days=1), 14),
        )
        policies[coverage] = policy
        created.append(f"policy {policy.number} ({coverage})")

    group, aviation = policies["group_accident"], policies["aviation_comprehensive"]
    requests = ServicingRequest.objects.filter(policy__customer=customer)
    removed = crew.get("刘建（演示）")
    refund_note = f"减少被保险人刘建，自 2026-03-01 起{DEMO_MARKER}"
    if removed is not None and not requests.filter(description=refund_note).exists():
        request = servicing_request_receive(
            policy_id=group.pk,
            kind="remove_persons",
            channel="email",
            requester_name="郑海",
            identity_method="callback",
            effective_on=date(2026, 3, 1),
            changes=[{"op": "remove_person", "person_id": removed.pk}],
            description=refund_note,
            received_documents=["servicing_application", "applicant_identity", "persons_removed"],
            acting_user=clerk,
            now=at(date(2026, 2, 24), 9, 30),
        )
        servicing_fee_calculate(
            request_id=request.pk, acting_user=clerk, now=at(date(2026, 2, 24), 11)
        )
        servicing_request_approve(
            request_id=request.pk, acting_user=clerk, now=at(date(2026, 2, 25), 10)
        )
        servicing_request_archive(
            request_id=request.pk,
            outcome_note="客户已确认批单及退费",
            acting_user=clerk,
            now=at(date(2026, 2, 26), 9),
        )
        created.append("servicing request completed with a refund")

    today = timezone.localdate(moment)
    effective = min(max(today, DEMO_PERIOD[0]), DEMO_PERIOD[1])
    breach_note = f"4401350701 重新评估协议价值{DEMO_MARKER}"
    h175 = next((a for a in fleet if a.registration_mark == "4401350701"), None)
    if h175 is not None and not requests.filter(description=breach_note).exists():
        servicing_request_receive(
            policy_id=aviation.pk,
            kind="change_sum",
            channel="counter",
            requester_name="郑海",
            identity_method="authorisation",
            identity_reference="440199198001011110",
            effective_on=effective,
            changes=[
                {"op": "set_agreed_value", "aircraft_id": h175.pk, "agreed_value": "75000000.00"}
            ],
            description=breach_note,
            received_documents=["servicing_application", "applicant_identity", "valuation_report"],
            acting_user=clerk,
            now=moment - timedelta(days=7),
        )
        created.append("servicing request past its deadline")

    waiting_note = f"新增被保险人马力{DEMO_MARKER}"
    if left_out is not None and not requests.filter(description=waiting_note).exists():
        servicing_request_receive(
            policy_id=group.pk,
            kind="add_persons",
            channel="portal",
            requester_name="郑海",
            identity_method="portal_login",
            effective_on=effective,
            changes=[{"op": "add_person", "person_id": left_out.pk}],
            description=waiting_note,
            received_documents=["servicing_application"],
            acting_user=clerk,
            now=moment - timedelta(hours=2),
        )
        created.append("servicing request waiting for documents")
    return created
