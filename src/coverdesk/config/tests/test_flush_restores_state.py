"""The suite's own guarantee: a transactional test's flush leaves the next test the database
that migrations built (append-only triggers on, seed rows present). The two tests run in order."""

import pytest
from django.db import DatabaseError, IntegrityError, transaction

from coverdesk.audit.models import AuditEntry
from coverdesk.audit.services import audit_record
from coverdesk.sla.models import Calendar, EvaluationRule, SlaStandard


@pytest.mark.django_db(transaction=True)
def test_first_a_transactional_test_writes_audit_entries():
    with transaction.atomic():
        audit_record(action="probe.write")
    assert AuditEntry.objects.filter(action="probe.write").count() == 1


@pytest.mark.django_db
def test_then_the_next_test_sees_triggers_and_seed_rows_again():
    assert set(Calendar.objects.values_list("code", flat=True)) >= {"cn-mainland", "7x24"}
    assert SlaStandard.objects.filter(code="claims.adjudication.simple").exists()
    assert EvaluationRule.objects.exists()
    with transaction.atomic():
        entry = audit_record(action="probe.write")
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="probe.forged")
