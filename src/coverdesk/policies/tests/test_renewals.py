"""Renewals: reminders 60, 30 and 15 days before expiry (in-app, email, SMS, each once), the
renewal quote from the current version with changes at renewal, the renewed policy without a
gap, the report of expiring policies, and the brokers' follow-up reminders."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from coverdesk.audit.models import AuditEntry
from coverdesk.core import jobs
from coverdesk.core.exceptions import ValidationFailed
from coverdesk.notifications.models import Message
from coverdesk.parties.services import party_update
from coverdesk.policies.exceptions import AuthorityExceeded
from coverdesk.policies.models import Policy, PolicyVersion, Quote
from coverdesk.policies.selectors.policies import policies_expiring, policy_version_in_force
from coverdesk.policies.services.policies import policy_contract_file
from coverdesk.policies.services.renewals import (
    policy_renew,
    reminder_threshold,
    renewal_quote_create,
    renewal_reminders_send,
)
from coverdesk.policies.tests.policy_factories import (
    AVIATION,
    GROUP,
    at,
    issue_policy,
    make_customer,
    make_fleet,
    make_person,
    make_portal_user,
    make_team,
)
from coverdesk.policies.transitions import TransitionNotAllowed

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    return make_team()


@pytest.fixture
def customer():
    customer = make_customer()
    party_update(party_id=customer.pk, acting_user=None, phone="020-87654321")
    customer.refresh_from_db()
    return customer


@pytest.fixture
def portal(customer):
    return make_portal_user(customer)


@pytest.fixture
def group(team, customer):
    # 9,000 + 1,200 a year, sums 3,000,000 + 1,000,000: within the broker's authority
    crew = [
        make_person(customer, "机长", "pilot", 1),
        make_person(customer, "机务", "ground_crew", 2),
    ]
    return issue_policy(team, customer, coverage_codes=[GROUP], persons=crew)


@pytest.mark.parametrize(
    ("days_left", "threshold"),
    [(61, None), (60, 60), (45, 60), (31, 60), (30, 30), (16, 30), (15, 15), (0, 15), (-1, None)],
)
def test_the_reminder_due_is_the_latest_threshold_reached(days_left, threshold):
    assert reminder_threshold(days_left, [60, 30, 15]) == threshold


def _reminders():
    return sorted(
        Message.objects.filter(template="policies_renewal_reminder").values_list(
            "recipient_id", "channel", "address"
        )
    )


def test_reminders_go_out_60_30_and_15_days_before_expiry_once_each(team, group, portal):
    # 2026-12-21 ends the cover; 61 days before, nothing is due
    assert renewal_reminders_send(now=at(2026, 10, 21)) == 0

    # 60 days before: the customer by in-app, email and SMS, the broker in-app
    assert renewal_reminders_send(now=at(2026, 10, 22)) == 4
    assert _reminders() == [
        (team.broker.pk, "in_app", ""),
        (portal.pk, "email", portal.email),
        (portal.pk, "in_app", ""),
        (portal.pk, "sms", "020-87654321"),
    ]
    assert Policy.objects.get(pk=group.pk).renewal_status == "reminded"
    assert AuditEntry.objects.filter(action="policy.renewal_reminded").count() == 1

    # run again the same day or the next: nothing more
    assert renewal_reminders_send(now=at(2026, 10, 22, 16)) == 0
    assert renewal_reminders_send(now=at(2026, 10, 23)) == 0

    # 30 and 15 days before: one more each
    assert renewal_reminders_send(now=at(2026, 11, 21)) == 4
    assert renewal_reminders_send(now=at(2026, 12, 6)) == 4
    assert Message.objects.filter(template="policies_renewal_reminder").count() == 12
    body = (
        Message.objects.filter(template="policies_renewal_reminder", recipient=portal)
        .order_by("id")
        .last()
        .body
    )
    # rendered in the customer's language, Chinese by default
    assert "将于2026-12-21 24时到期，距今还有15天" in body


def test_a_policy_found_late_gets_only_the_latest_reminder(team, group, portal):
    assert renewal_reminders_send(now=at(2026, 12, 1)) == 4  # 20 days left: the 30-day one

    assert renewal_reminders_send(now=at(2026, 12, 6)) == 4  # then the 15-day one
    assert (
        Message.objects.filter(
            template="policies_renewal_reminder", recipient=portal, channel="in_app"
        ).count()
        == 2
    )


def test_cancelled_policies_are_not_reminded(team, group, portal):
    Policy.objects.filter(pk=group.pk).update(status="cancelled", cancelled_on=date(2026, 6, 1))

    assert renewal_reminders_send(now=at(2026, 10, 22)) == 0


def test_the_reminder_job_is_registered_with_the_worker():
    assert "policies.renewal_reminders" in [job.name for job in jobs.registered()]


def test_a_renewal_quote_starts_from_the_current_version_with_changes_at_renewal(
    team, customer, group
):
    aircrew = make_person(customer, "空乘", "aircrew", 5)

    quote = renewal_quote_create(
        policy_id=group.pk,
        person_ids=[*_current_person_ids(group), aircrew.pk],
        acting_user=team.broker,
        now=at(2026, 11, 2),
    )

    # the day after the old period ends, 12 months; pilot, ground crew and the new aircrew
    assert (quote.period_start, quote.period_end) == (date(2026, 12, 22), date(2027, 12, 21))
    assert (quote.renewal_of_id, quote.term_premium) == (group.pk, D("16200.00"))
    assert Policy.objects.get(pk=group.pk).renewal_status == "quoted"
    clause_codes = sorted(i["key"] for i in quote.terms["items"] if i["key"].startswith("clause"))
    assert clause_codes == ["clause:flight_area", "clause:non_social_medical", "clause:police_duty"]


def _current_person_ids(policy):
    version = policy_version_in_force(policy=policy, on=policy.period_end)
    return [
        int(i["data"]["person_id"]) for i in version.terms["items"] if i["key"].startswith("person")
    ]


def test_the_renewed_policy_starts_the_day_after_without_a_gap(team, group):
    quote = renewal_quote_create(policy_id=group.pk, acting_user=team.broker, now=at(2026, 11, 2))

    renewed = policy_renew(
        quote_id=quote.pk,
        premium_paid="10200.00",
        paid_on=date(2026, 12, 10),
        payment_reference="BANK-2027",
        acting_user=team.broker,
        now=at(2026, 12, 10),
    )

    group.refresh_from_db()
    assert (renewed.number, renewed.renewal_of_id, renewed.period_start, renewed.period_end) == (
        "CD2026000001",
        group.pk,
        date(2026, 12, 22),
        date(2027, 12, 21),
    )
    assert group.renewal_status == "renewed"
    assert renewed.period_start == group.period_end + timedelta(days=1)
    assert PolicyVersion.objects.get(policy=renewed).effective_from == date(2026, 12, 22)
    assert Quote.objects.get(pk=quote.pk).status == "accepted"
    with pytest.raises(TransitionNotAllowed):
        renewal_quote_create(policy_id=group.pk, acting_user=team.broker, now=at(2026, 12, 11))


def test_a_renewal_with_a_gap_or_the_wrong_premium_is_refused(team, group):
    quote = renewal_quote_create(policy_id=group.pk, acting_user=team.broker, now=at(2026, 11, 2))

    with pytest.raises(ValidationFailed) as raised:
        policy_renew(
            quote_id=quote.pk,
            premium_paid="10199.99",
            paid_on=date(2026, 12, 10),
            payment_reference="BANK",
            acting_user=team.broker,
            now=at(2026, 12, 10),
        )
    assert [(f.field, f.rule) for f in raised.value.fields] == [
        ("premium_paid", "premium_mismatch")
    ]

    Quote.objects.filter(pk=quote.pk).update(
        period_start=date(2026, 12, 23), period_end=date(2027, 12, 22)
    )
    with pytest.raises(ValidationFailed) as raised:
        policy_renew(
            quote_id=quote.pk,
            premium_paid="10200.00",
            paid_on=date(2026, 12, 10),
            payment_reference="BANK",
            acting_user=team.broker,
            now=at(2026, 12, 10),
        )
    assert [(f.field, f.rule) for f in raised.value.fields] == [("period_start", "no_gap")]
    assert Policy.objects.count() == 1


def test_renewing_above_the_underwriting_authority_needs_someone_with_more(team, customer):
    aviation = issue_policy(
        team, customer, coverage_codes=[AVIATION], aircraft=make_fleet(customer)
    )
    quote = renewal_quote_create(
        policy_id=aviation.pk, acting_user=team.broker, now=at(2026, 11, 2)
    )

    with pytest.raises(AuthorityExceeded):
        policy_renew(
            quote_id=quote.pk,
            premium_paid=str(quote.term_premium),
            paid_on=date(2026, 12, 10),
            payment_reference="BANK",
            acting_user=team.broker,
            now=at(2026, 12, 10),
        )
    assert Policy.objects.count() == 1

    renewed = policy_renew(
        quote_id=quote.pk,
        premium_paid=str(quote.term_premium),
        paid_on=date(2026, 12, 10),
        payment_reference="BANK",
        acting_user=team.manager,
        now=at(2026, 12, 10),
    )
    assert renewed.term_premium == D("2666000.00")


def test_policies_expiring_in_a_period_with_their_renewal_status(team, customer, group):
    aviation = issue_policy(
        team, customer, coverage_codes=[AVIATION], aircraft=make_fleet(customer)
    )
    quote = renewal_quote_create(policy_id=group.pk, acting_user=team.broker, now=at(2026, 11, 2))
    renewed = policy_renew(
        quote_id=quote.pk,
        premium_paid="10200.00",
        paid_on=date(2026, 12, 1),
        payment_reference="BANK",
        acting_user=team.broker,
        now=at(2026, 12, 1),
    )

    rows = policies_expiring(first_day=date(2026, 12, 1), last_day=date(2026, 12, 31))

    assert [(r.policy.number, r.renewal_status, r.renewed_by) for r in rows] == [
        (group.number, "renewed", renewed.number),
        (aviation.number, "not_due", None),
    ]
    assert policies_expiring(first_day=date(2027, 1, 1), last_day=date(2027, 1, 31)) == []
    with pytest.raises(ValidationFailed):
        policies_expiring(first_day=date(2027, 1, 31), last_day=date(2027, 1, 1))


def test_brokers_are_reminded_of_follow_ups_when_due(team, group):
    policy_contract_file(
        policy_id=group.pk, filing_reference="A-1", acting_user=team.broker, now=at(2025, 12, 16)
    )

    assert renewal_reminders_send(now=at(2026, 1, 20)) == 0
    assert renewal_reminders_send(now=at(2026, 1, 21)) == 1
    assert renewal_reminders_send(now=at(2026, 1, 22)) == 0

    message = Message.objects.get(template="policies_follow_up_due")
    assert (message.recipient_id, message.channel) == (team.broker.pk, "in_app")
