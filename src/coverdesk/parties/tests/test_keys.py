"""`coverdesk keys status|rotate|generate` against parties' encrypted columns."""

import base64
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from coverdesk.core import crypto
from coverdesk.core.crypto import KeyRing
from coverdesk.parties.models import Contact, Party
from coverdesk.parties.tests.factories import (
    CREDIT_OTHER,
    ID_LI,
    ID_ZHANG,
    PHONE_ZHANG,
    make_contact,
    make_organisation,
    make_person,
)

pytestmark = pytest.mark.django_db

KEY1, KEY2, INDEX = bytes(range(32)), bytes(range(32, 64)), bytes(range(64, 96))
K1 = f"k1:{base64.b64encode(KEY1).decode()}"
K2 = f"k2:{base64.b64encode(KEY2).decode()}"
INDEX_B64 = base64.b64encode(INDEX).decode()
ONLY_K2 = KeyRing(active="k2", keys={"k2": KEY2}, index_key=INDEX)


def raw_rows(table, *columns):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {', '.join(columns)} FROM {table} ORDER BY id")
        return cursor.fetchall()


def run(*args):
    out = StringIO()
    call_command("keys", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def written_under_k1():
    with override_settings(COVERDESK_DATA_KEYS=K1, COVERDESK_INDEX_KEY=INDEX_B64):
        zhang = make_person()
        li = make_person(name="李四", id_number=ID_LI, phone="13900001111", email="")
        police = make_organisation(phone="020-87654321")
        make_organisation(name="其他单位", credit_code=CREDIT_OTHER)
        make_contact(police)
        make_contact(police, name="王五", phone="13700002222", email="")
    return {"zhang": zhang, "li": li}


def test_status_counts_values_per_key_id(written_under_k1):
    with override_settings(COVERDESK_DATA_KEYS=f"{K2},{K1}", COVERDESK_INDEX_KEY=INDEX_B64):
        output = run("status")

    lines = output.splitlines()
    assert lines[0] == "active key: k2; known keys: k1, k2"
    assert "parties.party.id_number: k1=2" in lines
    assert "parties.party.phone: k1=3" in lines
    assert "parties.party.email: k1=1" in lines
    assert "parties.contact.phone: k1=2" in lines
    assert "parties.contact.email: k1=1" in lines
    assert lines[-1] == "total: k1=9"


def test_rotate_rewrites_every_value_under_the_new_key(written_under_k1):
    party_before = raw_rows(
        "parties_party",
        "id_number",
        "phone",
        "email",
        "updated_at",
        "phone_index",
        "id_number_index",
    )

    with override_settings(COVERDESK_DATA_KEYS=f"{K2},{K1}", COVERDESK_INDEX_KEY=INDEX_B64):
        output = run("rotate", "--batch-size", "2")
        status = run("status")

    assert "parties.party.id_number: 2 re-encrypted" in output
    assert "parties.party.phone: 3 re-encrypted" in output
    assert "parties.contact.phone: 2 re-encrypted" in output
    assert output.splitlines()[-1] == "rotated 9 values to key k2"
    assert status.splitlines()[-1] == "total: k2=9"
    party_after = raw_rows(
        "parties_party",
        "id_number",
        "phone",
        "email",
        "updated_at",
        "phone_index",
        "id_number_index",
    )
    plain = []
    for (_, *old), (_, *new) in zip(party_before, party_after, strict=True):
        for column, old_value, new_value in zip(
            ["id_number", "phone", "email"], old[:3], new[:3], strict=True
        ):
            if old_value is None:
                assert new_value is None
                continue
            assert crypto.key_id_of(old_value) == "k1"
            assert crypto.key_id_of(new_value) == "k2"
            # The ring holding only k2 reads everything: k1 can be retired.
            plain.append(crypto.decrypt(new_value, context=f"parties.party.{column}", ring=ONLY_K2))
        assert new[3:] == old[3:]  # updated_at and blind indexes untouched
    assert ID_ZHANG in plain
    assert PHONE_ZHANG in plain
    for _pk, phone, email in raw_rows("parties_contact", "phone", "email"):
        assert crypto.decrypt(phone, context="parties.contact.phone", ring=ONLY_K2)
        assert email is None or crypto.key_id_of(email) == "k2"
    with override_settings(COVERDESK_DATA_KEYS=K2, COVERDESK_INDEX_KEY=INDEX_B64):
        assert Party.objects.get(pk=written_under_k1["zhang"].pk).id_number == ID_ZHANG
        assert sorted(Contact.objects.values_list("phone", flat=True)) == [
            "13700002222",
            "13987654321",
        ]


def test_rotate_again_has_nothing_to_do(written_under_k1):
    with override_settings(COVERDESK_DATA_KEYS=f"{K2},{K1}", COVERDESK_INDEX_KEY=INDEX_B64):
        run("rotate")
        output = run("rotate")

    assert output.splitlines()[-1] == "rotated 0 values to key k2"


def test_rotate_stops_on_a_value_it_cannot_read_and_leaves_that_batch_alone(written_under_k1):
    stranger = crypto.encrypt(
        "13600000000",
        context="parties.party.phone",
        ring=KeyRing(active="k9", keys={"k9": bytes(32)}, index_key=INDEX),
    )
    li = written_under_k1["li"]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE parties_party SET phone = %s WHERE id = %s", [stranger, li.pk])
    before = raw_rows("parties_party", "phone")

    with (
        override_settings(COVERDESK_DATA_KEYS=f"{K2},{K1}", COVERDESK_INDEX_KEY=INDEX_B64),
        pytest.raises(CommandError, match="key 'k9' is not in the key ring"),
    ):
        run("rotate", "--batch-size", "10")

    assert raw_rows("parties_party", "phone") == before


def test_generate_prints_a_usable_key_entry():
    output = run("generate", "--id", "k3").strip()

    active, keys = crypto.parse_data_keys(output)
    assert active == "k3"
    assert len(keys["k3"]) == 32


def test_generate_refuses_a_bad_key_id():
    with pytest.raises(CommandError, match="--id must be"):
        run("generate", "--id", "k:3")
