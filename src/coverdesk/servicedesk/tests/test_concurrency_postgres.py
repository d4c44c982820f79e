"""On PostgreSQL, with real row locks: two readers of the same mail make one inquiry; a reply
held by one worker is skipped by another (SKIP LOCKED) and sent once; planners running
together plan each scheduled visit once."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import pytest
from django.core import mail
from django.db import connections, transaction

from coverdesk.accounts.services import departments_ensure_defaults
from coverdesk.servicedesk.models import Inquiry, InquiryMessage, ReturnVisit
from coverdesk.servicedesk.services import inquiries as inquiry_services
from coverdesk.servicedesk.services.inquiries import inquiry_receive_email, inquiry_reply
from coverdesk.servicedesk.services.reply_mail import reply_mail_deliver_batch
from coverdesk.servicedesk.services.return_visits import (
    return_visit_programme_create,
    return_visits_plan,
)
from coverdesk.servicedesk.tests.factories import MONDAY, make_customer, make_desk

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

FIXTURE = Path(__file__).parent / "fixtures" / "mail" / "01_gb2312_with_attachment.eml"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"


def _together(count, work):
    barrier = threading.Barrier(count)
    results: dict[int, object] = {}
    errors: list[BaseException] = []

    def run(n):
        try:
            barrier.wait(timeout=30)
            results[n] = work(n)
        except BaseException as exc:  # reported by the test thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, errors


def test_two_readers_of_the_same_mail_make_one_inquiry(monkeypatch, settings):
    departments_ensure_defaults()
    raw = FIXTURE.read_bytes()
    both_checked = threading.Barrier(2)
    original = inquiry_services._thread_inquiry

    def after_both_checked(parsed):
        # Both readers have seen that the Message-ID is new before either writes.
        both_checked.wait(timeout=30)
        return original(parsed)

    monkeypatch.setattr(inquiry_services, "_thread_inquiry", after_both_checked)
    results, errors = _together(2, lambda n: inquiry_receive_email(raw=raw, now=MONDAY))
    assert errors == []
    outcomes = sorted((r.created, r.duplicate) for r in results.values())
    assert outcomes == [(False, True), (True, False)]
    assert (Inquiry.objects.count(), InquiryMessage.objects.count()) == (1, 1)
    # The loser's attachment file was removed with its rolled-back transaction.
    assert len(list(Path(settings.MEDIA_ROOT).rglob("*.pdf"))) == 1


def test_a_reply_held_by_one_worker_is_skipped_by_another_and_sent_once():
    departments_ensure_defaults()
    desk = make_desk()
    inquiry = inquiry_receive_email(raw=FIXTURE.read_bytes(), now=MONDAY).inquiry
    reply = inquiry_reply(inquiry_id=inquiry.pk, body="答复", acting_user=desk.agent, now=MONDAY)
    held, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                InquiryMessage.objects.select_for_update().get(pk=reply.pk)
                held.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(timeout=30)
    mail.outbox.clear()
    try:
        assert reply_mail_deliver_batch(now=MONDAY) == 0
    finally:
        release.set()
        holder.join(timeout=30)
    assert reply_mail_deliver_batch(now=MONDAY) == 1
    assert reply_mail_deliver_batch(now=MONDAY) == 0
    assert len(mail.outbox) == 1


def test_planners_running_together_plan_each_visit_once():
    desk = make_desk()
    for n in range(4):
        customer = make_customer(name=f"客户{n}", credit_code="")
        return_visit_programme_create(
            customer_id=customer.pk,
            name=f"回访{n}",
            script="s",
            starts_on=date(2026, 5, 24),
            acting_user=desk.agent,
            now=MONDAY,
        )
    results, errors = _together(4, lambda n: return_visits_plan(now=MONDAY))
    assert errors == []
    # Per programme: 24 May (overdue) and 24 Aug (today) — eight visits in all, each once.
    assert ReturnVisit.objects.count() == 8
    assert sum(results.values()) == 8
    assert ReturnVisit.objects.filter(status="due").count() == 8
