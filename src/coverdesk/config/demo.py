"""Demo data: departments, one user per role, and the police aviation customer of domain.md §5.

Idempotent: what exists is left alone, so loading twice changes nothing. Demo passwords exist
only in a database where this ran.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from coverdesk.accounts.choices import RoleCode
from coverdesk.accounts.models import Department, User
from coverdesk.accounts.roles import ROLE_DEPARTMENT
from coverdesk.accounts.services import (
    department_head_set,
    departments_ensure_defaults,
    user_create,
    user_manager_set,
)
from coverdesk.config.demo_sla import demo_sla_load
from coverdesk.notifications.choices import Channel
from coverdesk.notifications.services import notification_send
from coverdesk.parties.choices import PartyKind
from coverdesk.parties.models import CustomerAccess, Party
from coverdesk.parties.services import contact_add, customer_access_grant, party_create
from coverdesk.policies.demo import demo_policies_load

DEMO_PASSWORD = "coverdesk-demo"
CUSTOMER_NAME = "广州市公安局指挥中心警务航空队"

# username → (role, full name). Chinese names are kept whole in first_name: the family name
# comes first and there is no space, which first/last splitting would get wrong.
DEMO_USERS: list[tuple[str, str, str]] = [
    ("admin", RoleCode.ADMIN, "系统管理员"),
    ("broker", RoleCode.BROKER, "李明"),
    ("clerk", RoleCode.CLERK, "王芳"),
    ("agent", RoleCode.AGENT, "陈静"),
    ("adjuster", RoleCode.ADJUSTER, "张伟"),
    ("surveyor", RoleCode.SURVEYOR, "刘洋"),
    ("backoffice", RoleCode.BACKOFFICE, "黄磊"),
    ("head", RoleCode.HEAD, "赵强"),
    ("manager", RoleCode.MANAGER, "周敏"),
    ("auditor", RoleCode.AUDITOR, "吴刚"),
    ("customer", RoleCode.CUSTOMER, "郑海"),
]


@dataclass
class DemoReport:
    created: list[str] = field(default_factory=list)

    def add(self, what: str) -> None:
        self.created.append(what)


@transaction.atomic
def demo_load() -> DemoReport:
    report = DemoReport()
    departments = {d.code: d for d in departments_ensure_defaults()}
    users = {u.username: u for u in User.objects.filter(username__in=[u[0] for u in DEMO_USERS])}
    admin = users.get("admin")
    for username, role, full_name in DEMO_USERS:
        if username in users:
            continue
        department_code = ROLE_DEPARTMENT.get(role)
        users[username] = user_create(
            username=username,
            # The shared demo password is known to everyone by design; skip the policy.
            password=DEMO_PASSWORD,
            validate=False,
            acting_user=admin,
            first_name=full_name,
            email=f"{username}@demo.coverdesk.invalid",
            department=departments[department_code] if department_code else None,
            roles=[role],
        )
        admin = admin or users.get("admin")
        report.add(f"user {username}")
    _wire_heads(departments, users, report)
    customer = _customer(users, report)
    demo_sla_load(report)
    for created in demo_policies_load(customer=customer, acting_user=users["broker"]):
        report.add(created)
    notification_send(
        recipients=list(users.values()),
        template="welcome",
        context={},
        channels=[Channel.IN_APP],
        dedupe_key="demo.welcome",
    )
    return report


def _wire_heads(
    departments: dict[str, Department], users: dict[str, User], report: DemoReport
) -> None:
    admin = users["admin"]
    for code, username in (("claims", "head"), ("management", "manager")):
        if departments[code].head_id is None:
            department_head_set(
                department=departments[code], head=users[username], acting_user=admin
            )
            report.add(f"head of {code}")
    for username, manager in (("adjuster", "head"), ("surveyor", "head"), ("head", "manager")):
        if users[username].manager_id is None:
            user_manager_set(user=users[username], manager=users[manager], acting_user=admin)


def _customer(users: dict[str, User], report: DemoReport) -> Party:
    party = Party.objects.filter(name=CUSTOMER_NAME, kind=PartyKind.ORGANISATION).first()
    if party is None:
        party = party_create(
            acting_user=users["admin"],
            kind=PartyKind.ORGANISATION,
            name=CUSTOMER_NAME,
            name_en="Guangzhou Public Security Bureau Command Centre, Police Aviation Unit",
            phone="020-83115110",
            email="aviation@demo-police.invalid",
            address="广州市越秀区",
            notes="航空保险服务项目 2025–2026：H145 ×2、H175 ×1",
        )
        contact_add(
            party_id=party.pk,
            acting_user=users["admin"],
            name="郑海",
            title="装备保障科",
            phone="13800138000",
            email="liaison@demo-police.invalid",
            is_primary=True,
        )
        report.add(f"customer {CUSTOMER_NAME}")
    if not CustomerAccess.objects.filter(user=users["customer"]).exists():
        customer_access_grant(user=users["customer"], party=party, acting_user=users["admin"])
        report.add("customer portal access")
    return party
