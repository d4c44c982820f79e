"""Acceptance: ID numbers and phones never reach the database in plaintext, neither the SQLite
files (main file and write-ahead log) nor a PostgreSQL dump. The values are used nowhere else
in the suite, so free pages left by other tests cannot hide or fake a leak."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.db import connection

from coverdesk.parties.services import party_update
from coverdesk.parties.tests.factories import make_contact, make_organisation, make_person

ID_NUMBER = "510108197808087777"
PHONE = "13655501234"
NEW_PHONE = "13655509876"
CONTACT_PHONE = "18955501234"
EMAIL = "rest.test@example.org"
PLAINTEXTS = [ID_NUMBER, PHONE, NEW_PHONE, CONTACT_PHONE, EMAIL]


def create_customers():
    person = make_person(name="静态测试", id_number=ID_NUMBER, phone=PHONE, email=EMAIL)
    party_update(party_id=person.pk, acting_user=None, phone=NEW_PHONE)
    make_contact(make_organisation(), phone=CONTACT_PHONE, email="")
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM parties_party WHERE id = %s", [person.pk])
        (ciphertext,) = cursor.fetchone()
    return ciphertext


def assert_no_plaintext(data: bytes, *, where: str):
    for plaintext in PLAINTEXTS:
        assert plaintext.encode() not in data, f"{plaintext} in plaintext in {where}"
        assert plaintext.encode("utf-16-le") not in data, f"{plaintext} (UTF-16) in {where}"


def sqlite_bytes(path: Path) -> bytes:
    return b"".join(
        Path(f"{path}{suffix}").read_bytes()
        for suffix in ("", "-wal", "-journal")
        if Path(f"{path}{suffix}").exists()
    )


@pytest.mark.django_db(transaction=True)
def test_no_id_number_or_phone_in_plaintext_in_the_sqlite_files():
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite pass checks the SQLite files")
    path = Path(connection.settings_dict["NAME"])
    assert path.is_file(), "the test database must be a file, not :memory:"

    ciphertext = create_customers()

    # Committed data sits in the write-ahead log first ...
    in_wal = sqlite_bytes(path)
    assert ciphertext.encode() in in_wal
    assert_no_plaintext(in_wal, where="the SQLite file or its WAL")
    # ... and in the main file once checkpointed.
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    main_file = path.read_bytes()
    assert ciphertext.encode() in main_file
    assert_no_plaintext(main_file, where="the checkpointed SQLite file")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_no_id_number_or_phone_in_plaintext_in_a_postgresql_dump():
    pg_dump = shutil.which("pg_dump")
    assert pg_dump, "pg_dump is missing: apt-get install postgresql-client"
    ciphertext = create_customers()
    db = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or "", "PGCONNECT_TIMEOUT": "10"}
    command = [pg_dump, "--data-only", "--no-owner", "--dbname", db["NAME"]]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            command += [option, str(db[key])]

    dump = subprocess.run(command, env=env, capture_output=True, timeout=120, check=True).stdout

    assert b"COPY public.parties_party" in dump
    assert ciphertext.encode() in dump
    assert_no_plaintext(dump, where="the PostgreSQL dump")
