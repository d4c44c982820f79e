"""On PostgreSQL, with real row locks: concurrent endorsements of one policy all apply and leave
consistent versions; concurrent issues take distinct, consecutive numbers."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from decimal import Decimal as D
from itertools import pairwise

import pytest
from django.db import connections, transaction

from coverdesk.core.values import Period
from coverdesk.policies.calculations import Change, EndorsementInput, endorsements_replay
from coverdesk.policies.models import Endorsement, Policy, PolicyVersion
from coverdesk.policies.selectors.policies import version_items
from coverdesk.policies.selectors.terms import coverages_of_items, item_rerate, person_item
from coverdesk.policies.services.numbering import policy_number_take
from coverdesk.policies.services.policies import endorsement_apply
from coverdesk.policies.terms import terms_premium_of
from coverdesk.policies.tests.policy_factories import (
    GROUP,
    at,
    issue_policy,
    make_customer,
    make_person,
    make_team,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

THREADS = 8


def _run_together(work):
    """Run work(n) for n in 0..THREADS-1 in threads that start at the same moment."""
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []
    results: dict[int, object] = {}

    def run(n):
        try:
            barrier.wait(timeout=30)
            results[n] = work(n)
        except BaseException as exc:  # reported by the test thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, errors


def test_concurrent_endorsements_of_one_policy_all_apply_with_consistent_versions():
    # given a group policy with one pilot, and eight ground crew to add from eight dates
    team = make_team()
    customer = make_customer()
    policy = issue_policy(
        team, customer, coverage_codes=[GROUP], persons=[make_person(customer, "机长", "pilot", 1)]
    )
    base = version_items(PolicyVersion.objects.get(policy=policy, number=1))
    coverages = coverages_of_items(product_version=policy.product_version, items=base)
    people = [make_person(customer, f"机务{n}", "ground_crew", 10 + n) for n in range(THREADS)]
    # effective dates deliberately out of order: later threads often go first
    dates = [date(2026, 1, 5) + timedelta(days=17 * ((n * 5) % THREADS)) for n in range(THREADS)]

    def endorse(n):
        change = Change("add", f"person:{people[n].pk}", person_item(people[n], coverages))
        return endorsement_apply(
            policy_id=policy.pk,
            kind="add_persons",
            effective_on=dates[n],
            changes=[change],
            acting_user=team.clerk,
            now=at(2026, 1, 2, 10),
        ).pk

    # when all eight apply at once
    results, errors = _run_together(endorse)

    # then every one applied, each with its own sequence number
    assert errors == []
    endorsements = list(Endorsement.objects.filter(policy=policy).order_by("sequence"))
    assert [e.sequence for e in endorsements] == list(range(1, THREADS + 1))
    assert sorted(results.values()) == sorted(e.pk for e in endorsements)

    # and the active versions cover the period without gap or overlap, in effective order
    active = list(
        PolicyVersion.objects.filter(policy=policy, replaced_at__isnull=True).order_by(
            "effective_from"
        )
    )
    assert len(active) == THREADS + 1
    assert active[0].effective_from == policy.period_start
    assert active[-1].effective_to == policy.period_end
    for before, after in pairwise(active):
        assert before.effective_to == after.effective_from - timedelta(days=1)
    assert {i.key for i in version_items(active[-1])} >= {f"person:{p.pk}" for p in people}

    # and the premiums are those of the endorsements replayed in effective order
    replayed = endorsements_replay(
        period=Period(policy.period_start, policy.period_end),
        base_items=base,
        endorsements=[
            EndorsementInput(
                str(e.pk),
                e.sequence,
                e.effective_on,
                tuple(Change.from_dict(c) for c in e.changes),
            )
            for e in endorsements
        ],
        premium_of=terms_premium_of,
        rerate=lambda item: item_rerate(item, coverages),
    )
    assert [(v.effective_from, v.term_premium, v.premium_change) for v in replayed] == [
        (v.effective_from, v.term_premium, v.premium_change) for v in active
    ]
    policy = Policy.objects.get(pk=policy.pk)
    assert policy.term_premium == D("9000.00") + THREADS * D("1200.00")
    assert policy.premium_written == D("10000.00") + sum(
        (v.premium_change for v in replayed[1:]), D("0.00")
    )
    assert policy.premium_written == D("10000.00") + sum(
        (e.premium_change for e in endorsements), D("0.00")
    )


def test_concurrent_issues_take_distinct_consecutive_numbers():
    make_team()  # the default sequence exists from the migration

    def take(n):
        with transaction.atomic():
            return policy_number_take(product_code="aviation-programme", on=date(2025, 12, 15))

    results, errors = _run_together(take)

    assert errors == []
    assert sorted(results.values()) == [f"CD2025{n:06d}" for n in range(1, THREADS + 1)]
