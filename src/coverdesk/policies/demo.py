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
