import threading
from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, IntegrityError, connection, transaction

from coverdesk.audit.models import AuditChainHead, AuditEntry
from coverdesk.audit.selectors import audit_chain_verify
from coverdesk.audit.services import audit_record
from coverdesk.core import context

T0 = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)


def _append(n, actor=None):
    with transaction.atomic():
        for i in range(n):
            audit_record(
                action="thing.touch",
                actor=actor,
                subject=("demo.thing", i),
                after={"i": i, "amount": "12.30"},
                now=T0,
            )


def _without_guard_triggers():
    """Tests that tamper with the trail must first get past the append-only triggers."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER audit_entry_no_update")
            cursor.execute("DROP TRIGGER audit_entry_no_delete")


@pytest.mark.django_db
def test_entries_form_a_gap_free_chain_that_verifies(role_user):
    # given
    clerk = role_user("clerk")
    # when
    with context.bound(context.RequestContext(request_id="req1", client_address="10.0.0.7")):
        _append(3, actor=clerk)
    # then
    entries = list(AuditEntry.objects.filter(action="thing.touch").order_by("sequence"))
    first = entries[0].sequence
    assert [e.sequence for e in entries] == [first, first + 1, first + 2]
    assert AuditEntry.objects.get(sequence=1).previous_hash == "0" * 64
    assert entries[1].previous_hash == entries[0].entry_hash
    assert entries[2].actor_id == clerk.pk
    assert entries[2].actor_label == clerk.username
    assert entries[2].request_id == "req1"
    assert entries[2].client_address == "10.0.0.7"
    assert entries[2].after == {"i": 2, "amount": "12.30"}
    report = audit_chain_verify()
    assert (report.ok, report.verified) == (True, first + 2)


@pytest.mark.django_db(transaction=True)
def test_audit_record_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        audit_record(action="thing.touch")
    assert AuditEntry.objects.count() == 0


@pytest.mark.django_db
def test_update_and_delete_are_rejected_by_the_database():
    _append(2)
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        AuditEntry.objects.filter(sequence=1).update(action="thing.forged")
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        AuditEntry.objects.filter(sequence=2).delete()
    assert list(AuditEntry.objects.order_by("sequence").values_list("action", flat=True)) == [
        "thing.touch",
        "thing.touch",
    ]


@pytest.mark.django_db
def test_verify_finds_a_tampered_entry():
    # given a chain of five with entry 3 edited behind the application's back
    _append(5)
    _without_guard_triggers()
    AuditEntry.objects.filter(sequence=3).update(after={"i": 2, "amount": "99999.00"})
    # when
    report = audit_chain_verify()
    # then
    assert (report.ok, report.broken_sequence, report.problem, report.verified) == (
        False,
        3,
        "content",
        2,
    )


@pytest.mark.django_db
def test_verify_finds_a_deleted_entry_in_the_middle_and_at_the_end():
    _append(5)
    _without_guard_triggers()
    AuditEntry.objects.filter(sequence=5).delete()
    assert (audit_chain_verify().broken_sequence, audit_chain_verify().problem) == (5, "missing")
    AuditEntry.objects.filter(sequence=2).delete()
    report = audit_chain_verify()
    assert (report.broken_sequence, report.problem, report.verified) == (2, "missing", 1)


@pytest.mark.django_db
def test_verify_finds_a_relinked_forgery():
    # A forger who recomputes the entry's own hash still breaks the link to the next entry.
    _append(3)
    _without_guard_triggers()
    AuditEntry.objects.filter(sequence=2).update(entry_hash="f" * 64)
    report = audit_chain_verify()
    assert (report.broken_sequence, report.problem) == (2, "content")


@pytest.mark.django_db
def test_verify_command_exit_codes(capsys):
    _append(4)
    call_command("audit", "verify")
    assert "4 entries verified" in capsys.readouterr().out
    _without_guard_triggers()
    AuditEntry.objects.filter(sequence=2).update(action="thing.forged")
    with pytest.raises(CommandError) as excinfo:
        call_command("audit", "verify")
    assert excinfo.value.returncode == 1
    assert "#2" in str(excinfo.value)


@pytest.mark.django_db
def test_a_failing_service_rolls_back_its_audit_entry_with_its_change(role_user):
    clerk = role_user("clerk")
    before = AuditEntry.objects.count()

    def service():
        with transaction.atomic():
            clerk.first_name = "Changed"
            clerk.save(update_fields=["first_name"])
            audit_record(action="user.rename", actor=clerk, subject=clerk)
            raise ValueError("the fee calculation failed")

    with pytest.raises(ValueError):
        service()
    clerk.refresh_from_db()
    assert clerk.first_name != "Changed"
    assert AuditEntry.objects.count() == before
    assert AuditChainHead.objects.get().sequence == before


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain():
    # given eight threads, each with its own connection, appending 25 entries apiece
    errors = []

    def writer():
        try:
            for _ in range(25):
                with transaction.atomic():
                    audit_record(action="thing.touch", subject=("demo.thing", 1))
        except Exception as exc:  # surfaced below, not hidden
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then
    assert errors == []
    sequences = list(AuditEntry.objects.order_by("sequence").values_list("sequence", flat=True))
    assert sequences == list(range(1, 201))
    assert AuditEntry.objects.values("previous_hash").distinct().count() == 200
    report = audit_chain_verify()
    assert (report.ok, report.verified) == (True, 200)
