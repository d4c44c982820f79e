"""The insured-object registers in the browser: the aircraft register and the insured persons —
who reaches which page, lists without N+1 and with ID numbers masked, detail with change
history, forms that name the broken rule beside the field and change nothing, the audited reveal
of an ID number, and the two-step import with its row-by-row report."""

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from coverdesk.audit.models import AuditEntry
from coverdesk.policies.demo import demo_id_number
from coverdesk.policies.imports import header_key
from coverdesk.policies.models.insured import (
    Aircraft,
    AircraftChange,
    InsuredPerson,
    InsuredPersonChange,
)
from coverdesk.policies.tests.insured_factories import (
    ID_CREW,
    ID_GROUND,
    ID_PILOT,
    make_aircraft,
    make_insured_clerk,
    make_insured_person,
    make_other_customer,
    make_police,
)
from coverdesk.web.registers.uploads import stash_put
from coverdesk.web.tests.helpers import english
from coverdesk.web.tests.test_access import ROLES

# GET pages: one column per role, in the order of ROLES
PAGES = {
    "web:aircraft_list":              (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
    "web:aircraft_detail":            (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
    "web:aircraft_create":            (403, 200, 200, 403, 403, 403, 403, 403, 403, 403, 403),
    "web:aircraft_edit":              (403, 200, 200, 403, 403, 403, 403, 403, 403, 403, 403),
    "web:aircraft_import":            (403, 200, 200, 403, 403, 403, 403, 403, 403, 403, 403),
    "web:aircraft_import_template":   (403, 200, 200, 403, 403, 403, 403, 403, 403, 403, 403),
    "web:insured_person_list":        (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
    "web:insured_person_detail":      (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
    "web:insured_person_create":      (403, 200, 200, 403, 403, 403, 403, 403, 403, 403, 403),
    "web:insured_person_edit":        (403, 200, 200, 403, 403, 403, 403, 403, 403, 403, 403),
    "web:insured_person_import":      (403, 200, 200, 403, 403, 403, 403, 403, 403, 403, 403),
    "web:insured_person_import_template": (403, 200, 200, 403, 403, 403, 403, 403, 403, 403, 403),
}  # fmt: skip

# POST actions: one column per role, in the order of ROLES
ACTIONS = {
    "web:aircraft_create":            (403, 302, 302, 403, 403, 403, 403, 403, 403, 403, 403),
    "web:aircraft_edit":              (403, 302, 302, 403, 403, 403, 403, 403, 403, 403, 403),
    "web:insured_person_create":      (403, 302, 302, 403, 403, 403, 403, 403, 403, 403, 403),
    "web:insured_person_edit":        (403, 302, 302, 403, 403, 403, 403, 403, 403, 403, 403),
    "web:insured_person_reveal":      (403, 200, 200, 403, 200, 403, 200, 403, 403, 403, 403),
    "web:aircraft_import":            (403, 200, 200, 403, 403, 403, 403, 403, 403, 403, 403),
    "web:insured_person_import":      (403, 200, 200, 403, 403, 403, 403, 403, 403, 403, 403),
}  # fmt: skip

AIRCRAFT_PAGES = {"web:aircraft_detail", "web:aircraft_edit"}
PERSON_PAGES = {"web:insured_person_detail", "web:insured_person_edit", "web:insured_person_reveal"}
ID_NEW = demo_id_number(date(1992, 6, 1), 41)
ID_OTHER = demo_id_number(date(1987, 2, 3), 43)


def _cells(table):
    return [(name, role, table[name][i]) for name in table for i, role in enumerate(ROLES)]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"


def _stashed_files(settings) -> list[Path]:
    directory = Path(settings.MEDIA_ROOT) / "imports"
    return sorted(directory.glob("*")) if directory.exists() else []


@pytest.fixture
def registers(db):
    """The police aviation unit with one aircraft and one pilot, written by a clerk."""
    clerk = make_insured_clerk()
    police = make_police()
    aircraft = make_aircraft(clerk, police)
    person = make_insured_person(clerk, police)
    return {"clerk": clerk, "police": police, "aircraft": aircraft, "person": person}


@pytest.fixture
def url_of(registers):
    def url(name):
        if name in AIRCRAFT_PAGES:
            return reverse(name, args=[registers["aircraft"].pk])
        if name in PERSON_PAGES:
            return reverse(name, args=[registers["person"].pk])
        return reverse(name)

    return url


def aircraft_data(customer, /, **changes):
    data = {
        "customer": str(customer.pk),
        "model": "H175",
        "manufacturer": "Airbus Helicopters",
        "registration_mark": "B-7301",
        "serial_number": "5001",
        "agreed_value": "70,000,000.00",
        "purchase_year": "2024",
        "crew_seats": "2",
        "passenger_seats": "16",
        "ownership": "owned",
        "installed_equipment": "红外吊舱 | 1200000\n救援绞车 | 800,000",
        "notes": "",
    }
    data.update(changes)
    return data


def edit_data(aircraft, **changes):
    data = {
        "model": aircraft.model,
        "manufacturer": aircraft.manufacturer,
        "registration_mark": aircraft.registration_mark,
        "serial_number": aircraft.serial_number,
        "agreed_value": str(aircraft.agreed_value),
        "purchase_year": str(aircraft.purchase_year),
        "crew_seats": str(aircraft.crew_seats),
        "passenger_seats": str(aircraft.passenger_seats),
        "ownership": aircraft.ownership,
        "installed_equipment": "",
        "notes": aircraft.notes,
        "is_active": "on",
        "reason": "",
    }
    data.update(changes)
    return data


def person_data(customer, /, **changes):
    data = {
        "customer": str(customer.pk),
        "name": "李飞（测试）",
        "id_number": ID_NEW,
        "category": "aircrew",
        "occupation": "空中观察员",
        "department": "空勤中队",
        "notes": "",
    }
    data.update(changes)
    return data


def person_edit_data(person, **changes):
    data = {
        "name": person.name,
        "id_number": "",
        "category": person.category,
        "occupation": person.occupation,
        "department": person.department,
        "status": person.status,
        "left_on": "",
        "notes": person.notes,
        "reason": "",
    }
    data.update(changes)
    return data


def csv_upload(rows, name="persons.csv", encoding="utf-8"):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    upload = io.BytesIO(buffer.getvalue().encode(encoding))
    upload.name = name
    return upload


def xlsx_upload(rows, name="aircraft.xlsx"):
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = name
    return buffer


PERSON_HEADER = ["姓名", "身份证号码", "人员类别", "职务", "所属部门"]
BAD_ID = ID_OTHER[:-1] + ("0" if ID_OTHER[-1] != "0" else "1")  # check character wrong


def persons_csv_one_bad_row():
    return csv_upload(
        [
            PERSON_HEADER,
            ["王晓明", ID_NEW, "飞行员", "机长", "飞行大队"],
            ["刘海洋", BAD_ID, "地勤", "机务", "机务中队"],
            ["陈静", ID_OTHER, "空勤", "空中救援员", "空勤中队"],
        ]
    )


# --- who reaches what -----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("page", "role", "expected"), _cells(PAGES))
def test_role_gets_exactly_the_expected_status_for_each_register_page(
    signed_in, url_of, page, role, expected
):
    # given
    client, _user = signed_in(role)
    # when
    response = client.get(url_of(page))
    # then
    assert response.status_code == expected


@pytest.mark.django_db
@pytest.mark.parametrize(("action", "role", "expected"), _cells(ACTIONS))
def test_role_gets_exactly_the_expected_status_for_each_register_action(
    signed_in, registers, url_of, settings, action, role, expected
):
    # given
    client, _user = signed_in(role)
    police, aircraft, person = registers["police"], registers["aircraft"], registers["person"]
    payloads = {
        "web:aircraft_create": aircraft_data(police),
        "web:aircraft_edit": edit_data(aircraft, agreed_value="65000000"),
        "web:insured_person_create": person_data(police),
        "web:insured_person_edit": person_edit_data(person, department="训练中队"),
        "web:insured_person_reveal": {},
        "web:aircraft_import": {
            "customer": str(police.pk),
            "file": csv_upload(
                [
                    ["型号", "注册号", "协议价值", "购买年份", "载客数量", "购买/租赁"],
                    ["H145", "B-7302", "7000万元", "2019", "2/6", "购买"],
                ],
                name="fleet.csv",
            ),
        },
        "web:insured_person_import": {
            "customer": str(police.pk),
            "file": persons_csv_one_bad_row(),
        },
    }
    # when
    response = client.post(url_of(action), payloads[action])
    # then
    assert response.status_code == expected
    allowed = expected in (200, 302)
    if action == "web:aircraft_create":
        assert Aircraft.objects.filter(registration_mark="B-7301").exists() == allowed
    if action == "web:aircraft_edit":
        aircraft.refresh_from_db()
        assert aircraft.agreed_value == (Decimal("65000000") if allowed else Decimal("70000000"))
    if action == "web:insured_person_create":
        assert InsuredPerson.objects.filter(name="李飞（测试）").exists() == allowed
    if action == "web:insured_person_edit":
        person.refresh_from_db()
        assert person.department == ("训练中队" if allowed else "飞行大队")
    if action == "web:insured_person_reveal":
        entries = AuditEntry.objects.filter(action="insured_person.id_reveal")
        if role == "customer":
            assert not entries.exists()  # refused before the service
        else:
            assert entries.get().result == ("success" if allowed else "denied")
        assert (ID_PILOT in response.content.decode()) == allowed
    if action in ("web:aircraft_import", "web:insured_person_import"):
        # a check imports nothing, whoever asks; a refused upload is not even kept
        assert Aircraft.objects.count() == 1
        assert InsuredPerson.objects.count() == 1
        assert (len(_stashed_files(settings)) == 1) == allowed


@pytest.mark.django_db
@pytest.mark.parametrize("page", sorted({*PAGES, *ACTIONS}))
def test_anonymous_visitor_is_sent_to_login_for_every_register_page(url_of, page):
    # given
    client = Client()
    # when
    response = client.post(url_of(page)) if page in ACTIONS else client.get(url_of(page))
    # then
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('web:login')}?next={url_of(page)}"
    assert Aircraft.objects.count() == 1
    assert not AuditEntry.objects.filter(action="insured_person.id_reveal").exists()


@pytest.mark.django_db
def test_unknown_aircraft_and_person_are_404_and_nothing_is_audited(signed_in):
    # given
    client, _user = signed_in("clerk")
    # when
    statuses = [
        client.get(reverse("web:aircraft_detail", args=[999999])).status_code,
        client.get(reverse("web:aircraft_edit", args=[999999])).status_code,
        client.get(reverse("web:insured_person_detail", args=[999999])).status_code,
        client.post(reverse("web:insured_person_reveal", args=[999999])).status_code,
    ]
    # then
    assert statuses == [404, 404, 404, 404]
    assert not AuditEntry.objects.filter(action="insured_person.id_reveal").exists()


# --- lists ----------------------------------------------------------------------------------


def _fleet(clerk, customer, count, prefix):
    for n in range(count):
        make_aircraft(
            clerk,
            customer,
            registration_mark=f"{prefix}-{n:03d}",
            serial_number=f"SN{prefix}{n:03d}",
            model="H145" if n % 2 else "H175",
        )


def _queries(client, url, **kwargs):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **kwargs)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.django_db
def test_aircraft_list_costs_the_same_queries_for_3_or_45_rows(signed_in, registers):
    # given
    client, _user = signed_in("agent")
    other = make_other_customer()
    _fleet(registers["clerk"], other, 2, "B3")
    url = reverse("web:aircraft_list")
    few = _queries(client, url)
    _fleet(registers["clerk"], registers["police"], 42, "B7")
    # when
    many = _queries(client, url)
    # then
    assert many == few
    assert many <= 14  # session, user, permissions, menu; customers, count, one page


@pytest.mark.django_db
def test_aircraft_list_filters_by_customer_and_searches_mark_model_and_serial(signed_in, registers):
    # given
    client, _user = signed_in("agent")
    other = make_other_customer()
    _fleet(registers["clerk"], other, 3, "B3")
    list_url = reverse("web:aircraft_list")

    def marks(**params):
        response = client.get(list_url, params)
        return [a.registration_mark for a in response.context["page"]]

    # when / then
    assert marks(customer=other.pk) == ["B3-000", "B3-001", "B3-002"]
    assert marks(q="b3-001") == ["B3-001"]  # marks compared in capitals
    assert marks(q="SNB3002") == ["B3-002"]
    assert marks(q="H145", customer=other.pk) == ["B3-001"]
    assert marks(q="4401120088") == ["4401120088"]
    assert marks(customer="999999") == []  # an unknown customer finds nothing, not everything


@pytest.mark.django_db
def test_aircraft_list_pages_by_50_keeping_the_filter(signed_in, registers):
    # given
    client, _user = signed_in("clerk")
    _fleet(registers["clerk"], registers["police"], 55, "B7")
    # when
    first = client.get(reverse("web:aircraft_list"), {"customer": registers["police"].pk})
    second = client.get(
        reverse("web:aircraft_list"), {"customer": registers["police"].pk, "page": 2}
    )
    # then
    assert len(first.context["page"]) == 50
    assert len(second.context["page"]) == 6
    assert f"customer={registers['police'].pk}&amp;page=2" in first.content.decode()


@pytest.mark.django_db
def test_person_list_shows_id_numbers_masked_only_and_costs_the_same_queries(signed_in, registers):
    # given
    client, _user = signed_in("clerk")
    url = reverse("web:insured_person_list")
    few = _queries(client, url)
    clerk, police = registers["clerk"], registers["police"]
    numbers = [demo_id_number(date(1985, 1, 1 + n), 51 + 2 * n) for n in range(25)]
    for n, number in enumerate(numbers):
        make_insured_person(clerk, police, name=f"队员{n:02d}", id_number=number)
    # when
    many = _queries(client, url)
    html = client.get(url).content.decode()
    # then
    assert many == few
    assert "4401**********" in html
    assert [n for n in [ID_PILOT, *numbers] if n in html] == []
    assert [n for n in [ID_PILOT, *numbers] if n[6:14] in html] == []  # not even the birth date


@pytest.mark.django_db
def test_person_list_filters_by_customer_category_status_and_exact_id_number(signed_in, registers):
    # given
    client, _user = signed_in("clerk")
    clerk, police = registers["clerk"], registers["police"]
    other = make_other_customer()
    make_insured_person(clerk, police, name="吴晴", id_number=ID_CREW, category="aircrew")
    ground = make_insured_person(
        clerk, other, name="郑航", id_number=ID_GROUND, category="ground_crew"
    )
    client.post(
        reverse("web:insured_person_edit", args=[ground.pk]),
        person_edit_data(ground, status="left", left_on="2026-02-01"),
    )
    url = reverse("web:insured_person_list")

    def names(method="post", **data):
        response = getattr(client, method)(url, data)
        return [p.name for p in response.context["page"]]

    # when / then
    assert sorted(names(customer=police.pk)) == sorted(["吴晴", "林海（演示）"])
    assert names(category="aircrew") == ["吴晴"]
    assert names(status="left") == ["郑航"]
    assert names(q=ID_GROUND) == ["郑航"]
    assert names(q=ID_GROUND[:8]) == []  # ID numbers match exactly, never by a fragment
    assert names(method="get", customer=other.pk) == ["郑航"]  # a link may filter by GET
    assert len(names(method="get", q="郑航")) == 3  # … but never search: that is POSTed


@pytest.mark.django_db
def test_person_search_pages_are_posted_never_put_in_a_link(signed_in, registers):
    # given
    client, _user = signed_in("clerk")
    clerk, police = registers["clerk"], registers["police"]
    for n in range(51):
        make_insured_person(
            clerk, police, name=f"地勤{n:02d}", id_number=demo_id_number(date(1990, 1, 1), 100 + n)
        )
    # when
    first = client.post(reverse("web:insured_person_list"), {"q": "地勤"})
    second = client.post(reverse("web:insured_person_list"), {"q": "地勤", "page": "2"})
    # then
    assert [p.name for p in second.context["page"]] == ["地勤50"]
    html = first.content.decode()
    assert 'form="person-search" name="page" value="2"' in html
    assert "q=" not in html


# --- aircraft detail and forms --------------------------------------------------------------


@pytest.mark.django_db
def test_aircraft_detail_shows_every_field_equipment_and_history(signed_in, registers):
    # given
    client, _user = signed_in("clerk")
    english(client)
    aircraft = registers["aircraft"]
    client.post(
        reverse("web:aircraft_edit", args=[aircraft.pk]),
        edit_data(
            aircraft,
            agreed_value="72000000",
            installed_equipment="红外吊舱 | 1200000",
            reason="Valuation 2026",
        ),
    )
    # when
    response = client.get(reverse("web:aircraft_detail", args=[aircraft.pk]))
    # then
    html = response.content.decode()
    for text in ("H145", "4401120088", "72,000,000.00", "2016", "Owned (purchased)"):
        assert text in html
    assert "红外吊舱" in html and "1,200,000.00" in html
    history = response.context["history"]
    assert [row.action for row in history] == ["updated", "created"]
    changed = {f.label: (f.before, f.after) for f in history[0].fields}
    assert changed["agreed value"] == ("70,000,000.00", "72,000,000.00")
    assert changed["installed equipment"] == ("—", "红外吊舱 (1,200,000.00)")
    assert history[0].reason == "Valuation 2026"


@pytest.mark.django_db
def test_aircraft_detail_lists_the_policies_covering_it(signed_in):
    from coverdesk.policies.tests.policy_factories import (
        AVIATION,
        issue_policy,
        make_customer,
        make_fleet,
        make_team,
    )

    # given
    team = make_team()
    customer = make_customer()
    fleet = make_fleet(customer)
    policy = issue_policy(team, customer, coverage_codes=[AVIATION], aircraft=fleet[:1])
    client, _user = signed_in("agent")
    # when
    covered = client.get(reverse("web:aircraft_detail", args=[fleet[0].pk]))
    not_covered = client.get(reverse("web:aircraft_detail", args=[fleet[1].pk]))
    # then
    assert [p.number for p in covered.context["policies"]] == [policy.number]
    assert policy.number in covered.content.decode()
    assert not_covered.context["policies"] == []


@pytest.mark.django_db
def test_registering_an_aircraft_writes_it_with_history_and_audit(signed_in, registers):
    # given
    client, user = signed_in("broker")
    # when
    response = client.post(reverse("web:aircraft_create"), aircraft_data(registers["police"]))
    # then
    aircraft = Aircraft.objects.get(registration_mark="B-7301")
    assert response.status_code == 302
    assert response["Location"] == reverse("web:aircraft_detail", args=[aircraft.pk])
    assert (aircraft.customer, aircraft.agreed_value, aircraft.passenger_seats) == (
        registers["police"],
        Decimal("70000000.00"),
        16,
    )
    assert aircraft.installed_equipment == [
        {"name": "红外吊舱", "sum_insured": "1200000"},
        {"name": "救援绞车", "sum_insured": "800000"},
    ]
    change = AircraftChange.objects.get(aircraft=aircraft)
    assert (change.action, change.changed_by) == ("created", user)
    assert AuditEntry.objects.filter(action="aircraft.register", actor=user).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field", "rule"),
    [
        ({"agreed_value": "-1000"}, "agreed_value", "positive"),
        ({"agreed_value": "0"}, "agreed_value", "positive"),
        ({"agreed_value": "七千万"}, "agreed_value", "number"),
        ({"registration_mark": "4401120088"}, "registration_mark", "unique"),
        ({"registration_mark": "B_7188"}, "registration_mark", "registration_mark_format"),
        ({"registration_mark": ""}, "registration_mark", "required"),
        ({"purchase_year": "1850"}, "purchase_year", "range"),
        ({"crew_seats": "0"}, "crew_seats", "range"),
        ({"installed_equipment": "吊舱"}, "installed_equipment", "required"),
        ({"installed_equipment": "吊舱 | -5"}, "installed_equipment", "positive"),
        ({"customer": "999999"}, "customer", "invalid_choice"),
    ],
)
def test_a_bad_aircraft_is_refused_beside_the_field_naming_the_rule_and_nothing_is_written(
    signed_in, registers, changes, field, rule
):
    # given
    client, _user = signed_in("clerk")
    english(client)
    before = (Aircraft.objects.count(), AircraftChange.objects.count(), AuditEntry.objects.count())
    # when
    response = client.post(
        reverse("web:aircraft_create"), aircraft_data(registers["police"], **changes)
    )
    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-field="{field}" data-rule="{rule}"' in html
    assert "Nothing was saved" in html
    after = (Aircraft.objects.count(), AircraftChange.objects.count(), AuditEntry.objects.count())
    assert after == before


@pytest.mark.django_db
def test_a_duplicate_mark_is_named_in_words_beside_the_field(signed_in, registers):
    # given
    client, _user = signed_in("clerk")
    english(client)
    # when
    response = client.post(
        reverse("web:aircraft_create"),
        aircraft_data(registers["police"], registration_mark="4401120088"),
    )
    # then
    errors = response.context["form"].errors.as_data()["registration_mark"]
    assert [(e.code, e.messages) for e in errors] == [
        ("unique", ["Another aircraft already has the registration mark 4401120088."])
    ]


@pytest.mark.django_db
def test_an_equipment_error_names_the_line(signed_in, registers):
    # given
    client, _user = signed_in("clerk")
    english(client)
    # when
    response = client.post(
        reverse("web:aircraft_create"),
        aircraft_data(registers["police"], installed_equipment="吊舱 | 1000\n绞车 | -1"),
    )
    # then
    assert response.context["form"].errors["installed_equipment"] == [
        "Line 2: The amount must be more than zero."
    ]


@pytest.mark.django_db
def test_changing_an_aircraft_records_only_the_fields_changed(signed_in, registers):
    # given
    client, user = signed_in("clerk")
    aircraft = registers["aircraft"]
    # when
    response = client.post(
        reverse("web:aircraft_edit", args=[aircraft.pk]),
        edit_data(aircraft, passenger_seats="5", reason="座椅改装"),
    )
    # then
    assert response.status_code == 302
    change = AircraftChange.objects.filter(aircraft=aircraft, action="updated").get()
    assert (change.before, change.after, change.reason, change.changed_by) == (
        {"passenger_seats": 6},
        {"passenger_seats": 5},
        "座椅改装",
        user,
    )


@pytest.mark.django_db
def test_saving_an_unchanged_aircraft_writes_no_history(signed_in, registers):
    # given
    client, _user = signed_in("clerk")
    aircraft = registers["aircraft"]
    # when
    response = client.post(reverse("web:aircraft_edit", args=[aircraft.pk]), edit_data(aircraft))
    # then
    assert response.status_code == 302
    assert not AircraftChange.objects.filter(aircraft=aircraft, action="updated").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field", "rule"),
    [
        ({"agreed_value": "-70000000"}, "agreed_value", "positive"),
        ({"passenger_seats": "abc"}, "passenger_seats", "invalid"),
        ({"model": "X" * 51}, "model", "max_length"),
    ],
)
def test_a_bad_change_leaves_the_aircraft_as_it_was(signed_in, registers, changes, field, rule):
    # given
    client, _user = signed_in("clerk")
    aircraft = registers["aircraft"]
    # when
    response = client.post(
        reverse("web:aircraft_edit", args=[aircraft.pk]),
        edit_data(aircraft, registration_mark="B-7189", **changes),
    )
    # then
    assert response.status_code == 200
    assert f'data-field="{field}" data-rule="{rule}"' in response.content.decode()
    aircraft.refresh_from_db()
    assert (aircraft.registration_mark, aircraft.agreed_value) == (
        "4401120088",
        Decimal("70000000.00"),
    )
    assert not AircraftChange.objects.filter(action="updated").exists()


@pytest.mark.django_db
def test_changing_to_another_aircrafts_mark_is_refused(signed_in, registers):
    # given
    client, _user = signed_in("clerk")
    make_aircraft(registers["clerk"], registers["police"], registration_mark="B-7188")
    aircraft = registers["aircraft"]
    # when
    response = client.post(
        reverse("web:aircraft_edit", args=[aircraft.pk]),
        edit_data(aircraft, registration_mark="b-7188"),
    )
    # then
    assert 'data-field="registration_mark" data-rule="unique"' in response.content.decode()
    aircraft.refresh_from_db()
    assert aircraft.registration_mark == "4401120088"


# --- insured persons ------------------------------------------------------------------------


@pytest.mark.django_db
def test_adding_a_person_stores_the_number_encrypted_and_shows_it_masked(signed_in, registers):
    # given
    client, user = signed_in("clerk")
    # when
    response = client.post(reverse("web:insured_person_create"), person_data(registers["police"]))
    # then
    person = InsuredPerson.objects.get(name="李飞（测试）")
    assert response["Location"] == reverse("web:insured_person_detail", args=[person.pk])
    assert (person.id_number, person.birth_date, person.category) == (
        ID_NEW,
        date(1992, 6, 1),
        "aircrew",
    )
    detail = client.get(response["Location"]).content.decode()
    assert ID_NEW not in detail
    assert person.id_number_masked in detail
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM policies_insuredperson WHERE id = %s", [person.pk])
        assert ID_NEW not in cursor.fetchone()[0]
    assert AuditEntry.objects.filter(action="insured_person.add", actor=user).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field", "rule"),
    [
        ({"id_number": BAD_ID}, "id_number", "id_number_checksum"),
        ({"id_number": "123"}, "id_number", "id_number_format"),
        ({"id_number": ID_PILOT}, "id_number", "unique"),
        ({"name": ""}, "name", "required"),
        ({"category": "passenger"}, "category", "invalid_choice"),
    ],
)
def test_a_bad_person_is_refused_naming_the_rule_and_nothing_is_written(
    signed_in, registers, changes, field, rule
):
    # given
    client, _user = signed_in("clerk")
    before = (InsuredPerson.objects.count(), AuditEntry.objects.count())
    # when
    response = client.post(
        reverse("web:insured_person_create"), person_data(registers["police"], **changes)
    )
    # then
    assert response.status_code == 200
    assert f'data-field="{field}" data-rule="{rule}"' in response.content.decode()
    assert (InsuredPerson.objects.count(), AuditEntry.objects.count()) == before


@pytest.mark.django_db
def test_a_person_who_leaves_gets_the_date_and_a_history_row(signed_in, registers):
    # given
    client, _user = signed_in("clerk")
    person = registers["person"]
    # when
    response = client.post(
        reverse("web:insured_person_edit", args=[person.pk]),
        person_edit_data(person, status="left", left_on="2026-02-28", reason="调离"),
    )
    # then
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.status, person.left_on, person.id_number) == (
        "left",
        date(2026, 2, 28),
        ID_PILOT,
    )
    change = InsuredPersonChange.objects.get(person=person, action="updated")
    assert change.after == {"status": "left", "left_on": "2026-02-28"}
    assert change.reason == "调离"


@pytest.mark.django_db
def test_a_leaving_date_for_an_active_person_is_refused_and_nothing_changes(signed_in, registers):
    # given
    client, _user = signed_in("clerk")
    person = registers["person"]
    # when
    response = client.post(
        reverse("web:insured_person_edit", args=[person.pk]),
        person_edit_data(person, name="林海", left_on="2026-02-28"),
    )
    # then
    assert 'data-field="left_on" data-rule="status_left"' in response.content.decode()
    person.refresh_from_db()
    assert (person.name, person.left_on) == ("林海（演示）", None)
    assert not InsuredPersonChange.objects.filter(action="updated").exists()


@pytest.mark.django_db
def test_a_new_id_number_is_recorded_masked_and_the_form_never_shows_the_current_one(
    signed_in, registers
):
    # given
    client, _user = signed_in("clerk")
    person = registers["person"]
    form_html = client.get(reverse("web:insured_person_edit", args=[person.pk])).content.decode()
    # when
    client.post(
        reverse("web:insured_person_edit", args=[person.pk]),
        person_edit_data(person, id_number=ID_NEW),
    )
    # then
    assert ID_PILOT not in form_html
    person.refresh_from_db()
    assert person.id_number == ID_NEW
    change = InsuredPersonChange.objects.get(person=person, action="updated")
    assert ID_NEW not in str(change.after) and ID_PILOT not in str(change.before)


@pytest.mark.django_db
def test_person_detail_shows_the_history_and_the_reveal_only_to_pii_holders(signed_in, registers):
    # given
    person = registers["person"]
    clerk, _ = signed_in("clerk")
    agent, _ = signed_in("agent")
    url = reverse("web:insured_person_detail", args=[person.pk])
    # when
    clerk_page = clerk.get(url)
    agent_html = agent.get(url).content.decode()
    # then
    clerk_html = clerk_page.content.decode()
    reveal = reverse("web:insured_person_reveal", args=[person.pk])
    assert reveal in clerk_html and reveal not in agent_html
    assert ID_PILOT not in clerk_html and ID_PILOT not in agent_html
    # nor the birth date, which is characters 7 to 14 of the number
    assert "1980-03-14" not in clerk_html and "19800314" not in clerk_html
    assert [row.action for row in clerk_page.context["history"]] == ["created"]


@pytest.mark.django_db
def test_reveal_by_htmx_shows_the_number_is_audited_and_never_cached(signed_in, registers):
    # given
    client, user = signed_in("backoffice")
    person = registers["person"]
    # when
    response = client.post(
        reverse("web:insured_person_reveal", args=[person.pk]), headers={"HX-Request": "true"}
    )
    # then
    html = response.content.decode()
    assert "<html" not in html
    assert 'data-revealed="true"' in html and ID_PILOT in html and "1980-03-14" in html
    assert "no-store" in response["Cache-Control"]
    entry = AuditEntry.objects.get(action="insured_person.id_reveal")
    assert (entry.actor_id, entry.result, entry.subject_id) == (user.pk, "success", str(person.pk))


# --- import ---------------------------------------------------------------------------------


def _check(client, url_name, customer, upload):
    return client.post(reverse(url_name), {"customer": str(customer.pk), "file": upload})


@pytest.mark.django_db
def test_an_all_valid_xlsx_is_checked_then_imported_all(signed_in, registers, settings):
    # given
    client, user = signed_in("clerk")
    upload = xlsx_upload(
        [
            [
                "型号*",
                "注册号*",
                "出厂序列号",
                "协议价值（元）*",
                "购买年份",
                "载客数量",
                "购买/租赁",
            ],
            ["H145", "4401220255", "20255", "7000万元", 2019, "2/6", "购买"],
            ["H175", "4401350701", "50701", 70000000, "2024年", "2/16", "租赁"],
        ]
    )
    # when: the check
    report = _check(client, "web:aircraft_import", registers["police"], upload)
    # then: a clean report, "Import all" offered, nothing imported yet
    html = report.content.decode()
    assert report.context["report"].valid_rows == 2
    assert 'data-test="import-all"' in html and 'data-test="import-valid"' not in html
    assert Aircraft.objects.count() == 1
    # when: importing all
    done = client.post(
        reverse("web:aircraft_import"), {"token": report.context["token"], "mode": "all"}
    )
    # then
    assert done.status_code == 200
    assert done.context["report"].status == "imported"
    imported = Aircraft.objects.filter(customer=registers["police"]).exclude(
        pk=registers["aircraft"].pk
    )
    assert sorted(imported.values_list("registration_mark", "ownership", "passenger_seats")) == [
        ("4401220255", "owned", 6),
        ("4401350701", "leased", 16),
    ]
    assert set(
        AircraftChange.objects.filter(aircraft__in=imported).values_list("action", flat=True)
    ) == {"imported"}
    assert AuditEntry.objects.filter(action="aircraft.import", actor=user).count() == 1
    assert _stashed_files(settings) == []  # removed once imported


@pytest.mark.django_db
def test_a_chinese_csv_with_a_bad_row_reports_row_column_and_rule_and_imports_nothing(
    signed_in, registers, settings
):
    # given
    client, _user = signed_in("clerk")
    english(client)
    # when
    response = _check(
        client, "web:insured_person_import", registers["police"], persons_csv_one_bad_row()
    )
    # then
    html = response.content.decode()
    report = response.context["report"]
    assert (report.total_rows, report.valid_rows) == (3, 2)
    assert [(i.row, i.column, i.rule) for i in report.issues] == [
        (3, "身份证号码", "id_number_checksum")
    ]
    assert 'data-row="3" data-field="id_number" data-rule="id_number_checksum"' in html
    assert "check character does not match" in html
    # "Import all" is not offered; importing only the valid rows is, explicitly
    assert 'data-test="import-all"' not in html
    assert "Import only the 2 valid rows" in html
    assert "Rows left out: 3." in html
    assert InsuredPerson.objects.count() == 1
    # the report never shows an ID number, not even the bad one
    assert [n for n in (ID_NEW, BAD_ID, ID_OTHER) if n in html] == []


@pytest.mark.django_db
def test_import_all_of_a_file_with_a_bad_row_is_refused_and_imports_nothing(
    signed_in, registers, settings
):
    # given: the check of a file with one bad row
    client, _user = signed_in("clerk")
    english(client)
    report = _check(
        client, "web:insured_person_import", registers["police"], persons_csv_one_bad_row()
    )
    token = report.context["token"]
    # when: "import all" is posted anyway
    response = client.post(reverse("web:insured_person_import"), {"token": token, "mode": "all"})
    # then: the service refuses the whole file; the valid-rows choice is still open
    assert response.context["report"].status == "rejected"
    assert "Nothing was imported" in response.content.decode()
    assert InsuredPerson.objects.count() == 1
    assert not AuditEntry.objects.filter(action="insured_person.import").exists()
    assert len(_stashed_files(settings)) == 1
    assert response.context["token"] == token


@pytest.mark.django_db
def test_import_only_valid_rows_imports_exactly_those_once(signed_in, registers, settings):
    # given
    client, user = signed_in("broker")
    report = _check(
        client, "web:insured_person_import", registers["police"], persons_csv_one_bad_row()
    )
    token = report.context["token"]
    # when
    done = client.post(reverse("web:insured_person_import"), {"token": token, "mode": "valid_rows"})
    again = client.post(
        reverse("web:insured_person_import"), {"token": token, "mode": "valid_rows"}
    )
    # then
    assert done.context["report"].status == "partially_imported"
    assert done.context["report"].skipped_rows == [3]
    imported = InsuredPerson.objects.filter(customer=registers["police"]).exclude(
        pk=registers["person"].pk
    )
    assert sorted((p.name, p.id_number, p.category) for p in imported) == [
        ("王晓明", ID_NEW, "pilot"),
        ("陈静", ID_OTHER, "aircrew"),
    ]
    entry = AuditEntry.objects.get(action="insured_person.import")
    assert (entry.actor, entry.after["imported"], entry.after["valid_rows_only"]) == (
        user,
        2,
        True,
    )
    # the token is spent: a second post imports nothing more
    assert again.status_code == 400
    assert InsuredPerson.objects.count() == 3


@pytest.mark.django_db
def test_a_gb18030_csv_is_read(signed_in, registers):
    # given: a CSV saved by Excel on a Chinese Windows
    client, _user = signed_in("clerk")
    upload = csv_upload(
        [PERSON_HEADER, ["王晓明", ID_NEW, "机长", "机长", "飞行大队"]],
        encoding="gb18030",
    )
    # when
    report = _check(client, "web:insured_person_import", registers["police"], upload)
    # then
    assert (report.context["report"].valid_rows, report.context["report"].issues) == (1, [])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("rows", "name", "rule"),
    [
        ([["姓名", "身份证号码", "人员类别"]], "persons.csv", "empty"),
        ([["姓名", "人员类别"], ["王晓明", "飞行员"]], "persons.csv", "missing_column"),
        ([["姓名"]], "persons.txt", "file_type"),
    ],
)
def test_a_file_that_cannot_be_used_is_refused_beside_the_file_field(
    signed_in, registers, settings, rows, name, rule
):
    # given
    client, _user = signed_in("clerk")
    # when
    response = _check(
        client, "web:insured_person_import", registers["police"], csv_upload(rows, name=name)
    )
    # then
    assert f'data-field="file" data-rule="{rule}"' in response.content.decode()
    assert _stashed_files(settings) == []
    assert InsuredPerson.objects.count() == 1


@pytest.mark.django_db
def test_an_unreadable_xlsx_is_refused(signed_in, registers):
    # given
    client, _user = signed_in("clerk")
    upload = io.BytesIO(b"not a zip file")
    upload.name = "fleet.xlsx"
    # when
    response = _check(client, "web:aircraft_import", registers["police"], upload)
    # then
    assert 'data-field="file" data-rule="unreadable"' in response.content.decode()


@pytest.mark.django_db
def test_a_file_where_no_row_is_valid_offers_no_import(signed_in, registers, settings):
    # given
    client, _user = signed_in("clerk")
    upload = csv_upload([PERSON_HEADER, ["王晓明", BAD_ID, "飞行员", "", ""]])
    # when
    response = _check(client, "web:insured_person_import", registers["police"], upload)
    # then
    html = response.content.decode()
    assert 'data-test="nothing-to-import"' in html
    assert 'name="token"' not in html
    assert _stashed_files(settings) == []


@pytest.mark.django_db
def test_the_kept_file_is_encrypted_and_holds_no_readable_personal_data(
    signed_in, registers, settings
):
    # given
    client, _user = signed_in("clerk")
    # when
    _check(client, "web:insured_person_import", registers["police"], persons_csv_one_bad_row())
    # then
    [kept] = _stashed_files(settings)
    raw = kept.read_bytes()
    assert ID_NEW.encode() not in raw and "王晓明".encode() not in raw
    assert raw.startswith(b"v1:")
    assert kept.stat().st_mode & 0o077 == 0


@pytest.mark.django_db
@pytest.mark.parametrize("tamper", ["forged", "other_user", "other_kind", "expired"])
def test_a_token_that_is_not_this_users_fresh_one_imports_nothing(
    signed_in, registers, settings, tamper, monkeypatch
):
    # given
    client, user = signed_in("clerk")
    _other_client, other = signed_in("broker")
    content = "\n".join([",".join(PERSON_HEADER), f"王晓明,{ID_NEW},飞行员,机长,飞行大队"]).encode()
    owner = other.pk if tamper == "other_user" else user.pk
    kind = "aircraft" if tamper == "other_kind" else "insured_persons"
    token = stash_put(
        user_id=owner,
        kind=kind,
        customer_id=registers["police"].pk,
        filename="p.csv",
        content=content,
    )
    if tamper == "forged":
        token = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    if tamper == "expired":
        monkeypatch.setattr("coverdesk.web.registers.uploads.MAX_AGE_SECONDS", -1)
    # when
    response = client.post(reverse("web:insured_person_import"), {"token": token, "mode": "all"})
    # then
    assert response.status_code == 400
    assert (
        "no longer available"
        in english(client)
        .post(reverse("web:insured_person_import"), {"token": token, "mode": "all"})
        .content.decode()
    )
    assert InsuredPerson.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url_name", "language", "expected_headers"),
    [
        (
            "web:insured_person_import_template",
            "zh-hans",
            ["姓名*", "身份证号*", "人员类别*", "职业", "部门", "备注"],
        ),
        (
            "web:aircraft_import_template",
            "en",
            [
                "Model*",
                "Manufacturer",
                "Registration mark*",
                "Serial number",
                "Agreed value*",
                "Year of purchase*",
                "Crew seats*",
                "Passenger seats*",
                "Ownership*",
                "Notes",
            ],
        ),
    ],
)
def test_the_template_has_the_headers_the_importer_reads(
    signed_in, settings, url_name, language, expected_headers
):
    # given
    client, _user = signed_in("clerk")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    # when
    response = client.get(reverse(url_name))
    # then
    assert response["Content-Disposition"].startswith("attachment;")
    book = load_workbook(io.BytesIO(response.content))
    headers = [cell.value for cell in book.worksheets[0][1]]
    assert headers == expected_headers
    assert all(header_key(h) for h in headers)


@pytest.mark.django_db
def test_a_filled_in_template_imports(signed_in, registers, settings):
    # given: the Chinese template, two rows typed in
    client, _user = signed_in("clerk")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    template = client.get(reverse("web:insured_person_import_template"))
    book = load_workbook(io.BytesIO(template.content))
    sheet = book.worksheets[0]
    rows = [
        ["王晓明", ID_NEW, "飞行员", "机长", "飞行大队", ""],
        ["陈静", ID_OTHER, "aircrew", "", "", "新入职"],
    ]
    for number, row in enumerate(rows, start=2):
        for column, value in enumerate(row, start=1):
            sheet.cell(row=number, column=column, value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "filled.xlsx"
    report = _check(client, "web:insured_person_import", registers["police"], buffer)
    # when
    done = client.post(
        reverse("web:insured_person_import"),
        {"token": report.context["token"], "mode": "all"},
    )
    # then
    assert done.context["report"].imported == 2
    assert InsuredPerson.objects.get(name="陈静").notes == "新入职"
