"""Insured objects for tests, made through the services, and users holding the permissions
(granted directly, independent of the role mapping)."""

from datetime import UTC, date, datetime
from decimal import Decimal

from coverdesk.accounts.tests.factories import make_user
from coverdesk.catalog.tests.factories import grant
from coverdesk.parties.tests.factories import CREDIT_OTHER, make_organisation
from coverdesk.policies.demo import demo_id_number
from coverdesk.policies.services.insured import aircraft_register, insured_person_add

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Guangzhou
WRITE_PERMISSIONS = (
    "policies.view_aircraft",
    "policies.add_aircraft",
    "policies.change_aircraft",
    "policies.view_insuredperson",
    "policies.add_insuredperson",
    "policies.change_insuredperson",
    "policies.import_insured_objects",
)
ID_PILOT = demo_id_number(date(1980, 3, 14), 11)
ID_CREW = demo_id_number(date(1990, 9, 30), 24)
ID_GROUND = demo_id_number(date(1995, 10, 4), 37)


def make_insured_clerk(role="clerk", *extra):
    return grant(make_user(role), *WRITE_PERMISSIONS, *extra)


def make_police():
    return make_organisation()


def make_other_customer():
    return make_organisation(name="其他航空公司", credit_code=CREDIT_OTHER)


def make_aircraft(user, customer, **fields):
    values = {
        "model": "H145",
        "registration_mark": "4401120088",
        "agreed_value": Decimal("70000000.00"),
        "purchase_year": 2016,
        "crew_seats": 2,
        "passenger_seats": 6,
        "ownership": "owned",
        "now": NOW,
    }
    values.update(fields)
    return aircraft_register(acting_user=user, customer_id=customer.pk, **values)


def make_insured_person(user, customer, **fields):
    values = {
        "name": "林海（演示）",
        "id_number": ID_PILOT,
        "category": "pilot",
        "occupation": "机长",
        "department": "飞行大队",
        "now": NOW,
    }
    values.update(fields)
    return insured_person_add(acting_user=user, customer_id=customer.pk, **values)
