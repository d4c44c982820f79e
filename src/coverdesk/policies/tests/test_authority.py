"""Authority limits: the shipped defaults, a user's authority as the highest of their roles',
and the administrator's setting."""

from decimal import Decimal as D

import pytest

from coverdesk.accounts.tests.factories import make_user
from coverdesk.audit.models import AuditEntry
from coverdesk.core.exceptions import ValidationFailed
from coverdesk.policies.exceptions import PolicyPermissionDenied
from coverdesk.policies.models import AuthorityLimit
from coverdesk.policies.services.authority import authority_limit_set
from coverdesk.policies.services.common import Authority, authority_of

pytestmark = pytest.mark.django_db


def test_the_shipped_defaults():
    assert sorted(AuthorityLimit.objects.values_list("kind", "role", "limit")) == [
        ("servicing", "clerk", D("10000.00")),
        ("servicing", "head", D("1000000.00")),
        ("servicing", "manager", None),
        ("underwriting", "broker", D("5000000.00")),
        ("underwriting", "head", D("100000000.00")),
        ("underwriting", "manager", None),
    ]


def test_a_users_authority_is_the_highest_of_their_roles():
    broker = make_user("broker")
    broker_and_head = make_user("broker")
    broker_and_head.groups.add(*make_user("head").groups.all())
    agent = make_user("agent")

    assert authority_of(broker, "underwriting") == Authority(True, D("5000000.00"))
    assert authority_of(broker_and_head, "underwriting") == Authority(True, D("100000000.00"))
    assert authority_of(agent, "underwriting") == Authority(False, D("0"))
    assert authority_of(make_user("manager"), "servicing").covers(D("-99999999.99"))
    assert not authority_of(agent, "servicing").covers(D("0.01"))


def test_an_administrator_sets_a_limit_and_it_is_audited():
    admin = make_user("admin")

    authority_limit_set(role="clerk", kind="servicing", limit="20000.00", acting_user=admin)
    authority_limit_set(role="agent", kind="servicing", limit=None, acting_user=admin)

    assert AuthorityLimit.objects.get(role="clerk", kind="servicing").limit == D("20000.00")
    assert AuthorityLimit.objects.get(role="agent", kind="servicing").limit is None
    entry = AuditEntry.objects.filter(action="authority_limit.set").order_by("sequence").first()
    assert (entry.before, entry.after) == (
        {"limit": "10000.00"},
        {"role": "clerk", "kind": "servicing", "limit": "20000.00"},
    )


@pytest.mark.parametrize(
    ("kwargs", "field", "rule"),
    [
        ({"role": "customer"}, "role", "choice"),
        ({"kind": "claims"}, "kind", "choice"),
        ({"limit": "-1"}, "limit", "min_value"),
    ],
)
def test_bad_limits_are_refused_and_change_nothing(kwargs, field, rule):
    arguments = {"role": "clerk", "kind": "servicing", "limit": "1.00", **kwargs}

    with pytest.raises(ValidationFailed) as raised:
        authority_limit_set(acting_user=make_user("admin"), **arguments)

    assert [(f.field, f.rule) for f in raised.value.fields] == [(field, rule)]
    assert AuthorityLimit.objects.get(role="clerk", kind="servicing").limit == D("10000.00")


def test_only_an_administrator_sets_limits():
    with pytest.raises(PolicyPermissionDenied):
        authority_limit_set(
            role="clerk", kind="servicing", limit="1.00", acting_user=make_user("manager")
        )
    assert AuthorityLimit.objects.get(role="clerk", kind="servicing").limit == D("10000.00")
