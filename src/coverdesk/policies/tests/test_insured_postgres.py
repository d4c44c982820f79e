"""Two clerks register the same registration mark at the same moment (PostgreSQL, real
concurrent transactions): one wins, the other gets the field error, nothing half-written."""

import threading

import pytest
from django.db import connection, transaction

from coverdesk.core.exceptions import ValidationFailed
from coverdesk.policies.models.insured import Aircraft, AircraftChange
from coverdesk.policies.tests.insured_factories import (
    ID_PILOT,
    make_aircraft,
    make_insured_clerk,
    make_insured_person,
    make_police,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(first, second):
    """Run `first` in a transaction that stays open until `second` (which passed its checks
    before `first` committed) is waiting on the unique index; return what `second` raised."""
    first_done, release = threading.Event(), threading.Event()
    outcome = {}

    def run_first():
        try:
            with transaction.atomic():
                first()
                first_done.set()
                release.wait(10)
        finally:
            connection.close()

    def run_second():
        try:
            first_done.wait(10)
            second()
            outcome["error"] = None
        except ValidationFailed as error:
            outcome["error"] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run_first), threading.Thread(target=run_second)]
    for thread in threads:
        thread.start()
    # The second insert blocks on the first's uncommitted row; then the first commits.
    threading.Event().wait(1.0)
    release.set()
    for thread in threads:
        thread.join(20)
    return outcome["error"]


def test_the_same_mark_registered_twice_at_once_gives_one_aircraft_and_a_field_error():
    clerk, police = make_insured_clerk(), make_police()

    error = _race(
        lambda: make_aircraft(clerk, police, model="H145"),
        lambda: make_aircraft(clerk, police, model="H175"),
    )

    assert [(f.field, f.rule) for f in error.fields] == [("registration_mark", "unique")]
    assert list(Aircraft.objects.values_list("model", flat=True)) == ["H145"]
    assert AircraftChange.objects.count() == 1


def test_the_same_person_added_twice_at_once_gives_one_person_and_a_field_error():
    clerk, police = make_insured_clerk(), make_police()

    error = _race(
        lambda: make_insured_person(clerk, police, id_number=ID_PILOT, name="甲（演示）"),
        lambda: make_insured_person(clerk, police, id_number=ID_PILOT, name="乙（演示）"),
    )

    assert [(f.field, f.rule) for f in error.fields] == [("id_number", "unique")]
    assert list(police.insured_persons.values_list("name", flat=True)) == ["甲（演示）"]
