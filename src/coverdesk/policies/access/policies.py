"""Permission-checked reads of policies, applications and servicing requests. Staff holding
policies.view_policy see all of them; a customer's portal user sees their own organisation's
policies and servicing requests; for anyone else they do not exist (NotFound, so existence is
not revealed)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import QuerySet

from coverdesk.parties.access import customer_own_party_id
from coverdesk.policies.exceptions import (
    ApplicationNotFound,
    PolicyNotFound,
    ServicingNotFound,
)
from coverdesk.policies.models import Application, Policy, PolicyVersion, ServicingRequest
from coverdesk.policies.selectors.policies import policy_get, policy_list, policy_version_in_force
from coverdesk.policies.selectors.servicing import servicing_request_get

VIEW_PERMISSION = "policies.view_policy"


def _is_staff_reader(user: Any) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and user.has_perm(VIEW_PERMISSION)
    )


def policy_access_for_user(*, user: Any, policy_id: int) -> Policy:
    if _is_staff_reader(user):
        return policy_get(policy_id=policy_id)
    own = customer_own_party_id(user)
    policy = Policy.objects.filter(pk=policy_id).values_list("customer_id", flat=True).first()
    if own is None or policy != own:
        raise PolicyNotFound()
    return policy_get(policy_id=policy_id)


def policies_for_user(*, user: Any, **filters: Any) -> QuerySet[Policy]:
    """The policies `user` may list, filtered like `policy_list`."""
    policies = policy_list(**filters)
    if _is_staff_reader(user):
        return policies
    own = customer_own_party_id(user)
    return policies.filter(customer_id=own) if own is not None else policies.none()


def policy_version_in_force_for_user(
    *, user: Any, policy_id: int, on: date
) -> PolicyVersion | None:
    policy = policy_access_for_user(user=user, policy_id=policy_id)
    return policy_version_in_force(policy=policy, on=on)


def servicing_request_access_for_user(*, user: Any, request_id: int) -> ServicingRequest:
    if _is_staff_reader(user):
        return servicing_request_get(request_id=request_id)
    own = customer_own_party_id(user)
    customer = (
        ServicingRequest.objects.filter(pk=request_id)
        .values_list("policy__customer_id", flat=True)
        .first()
    )
    if own is None or customer != own:
        raise ServicingNotFound()
    return servicing_request_get(request_id=request_id)


def application_access_for_user(*, user: Any, application_id: int) -> Application:
    """Applications are staff work: brokers and those who read policies."""
    application = (
        Application.objects.select_related("quote", "customer", "policy")
        .filter(pk=application_id)
        .first()
    )
    if application is None or not (
        _is_staff_reader(user) or user.has_perm("policies.manage_new_business")
    ):
        raise ApplicationNotFound()
    return application
