"""Which actions are allowed in which status, and where they lead, for applications,
policies and servicing requests. Pure: no ORM. A service checks its move here before writing.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _

from coverdesk.core.exceptions import Conflict
from coverdesk.policies.choices import (
    ApplicationAction,
    ApplicationStatus,
    PolicyAction,
    PolicyStatus,
    ServicingAction,
    ServicingStatus,
)

A, AA = ApplicationStatus, ApplicationAction
S, SA = ServicingStatus, ServicingAction
P, PA = PolicyStatus, PolicyAction

Table = Mapping[tuple[str, str], frozenset[str]]

APPLICATION_OPEN: frozenset[str] = frozenset(
    {A.DRAFT, A.WAITING_FOR_DOCUMENTS, A.UNDERWRITING, A.REFERRED, A.APPROVED, A.PAID}
)

APPLICATION_TRANSITIONS: Table = {
    (A.DRAFT, AA.SUBMIT): frozenset({A.WAITING_FOR_DOCUMENTS, A.UNDERWRITING}),
    (A.WAITING_FOR_DOCUMENTS, AA.DOCUMENTS_MISSING): frozenset({A.WAITING_FOR_DOCUMENTS}),
    (A.WAITING_FOR_DOCUMENTS, AA.DOCUMENTS_COMPLETE): frozenset({A.UNDERWRITING}),
    (A.UNDERWRITING, AA.DOCUMENTS_MISSING): frozenset({A.WAITING_FOR_DOCUMENTS}),
    (A.UNDERWRITING, AA.APPROVE): frozenset({A.APPROVED}),
    (A.UNDERWRITING, AA.REFER): frozenset({A.REFERRED}),
    (A.UNDERWRITING, AA.DECLINE): frozenset({A.DECLINED}),
    (A.REFERRED, AA.APPROVE): frozenset({A.APPROVED}),
    (A.REFERRED, AA.REFER): frozenset({A.REFERRED}),
    (A.REFERRED, AA.DECLINE): frozenset({A.DECLINED}),
    (A.APPROVED, AA.RECORD_PAYMENT): frozenset({A.PAID}),
    (A.PAID, AA.ISSUE): frozenset({A.ISSUED}),
    **{(status, AA.WITHDRAW): frozenset({A.WITHDRAWN}) for status in APPLICATION_OPEN - {A.PAID}},
}

SERVICING_OPEN: frozenset[str] = frozenset(
    {
        S.RECEIVED,
        S.WAITING_FOR_DOCUMENTS,
        S.IN_REVIEW,
        S.CALCULATED,
        S.AWAITING_CONFIRMATION,
        S.CONFIRMED,
    }
)
# Statuses in which the clock waits for the customer.
SERVICING_WAITING: frozenset[str] = frozenset({S.WAITING_FOR_DOCUMENTS, S.AWAITING_CONFIRMATION})

SERVICING_TRANSITIONS: Table = {
    (S.RECEIVED, SA.DOCUMENTS_MISSING): frozenset({S.WAITING_FOR_DOCUMENTS}),
    (S.RECEIVED, SA.DOCUMENTS_COMPLETE): frozenset({S.IN_REVIEW}),
    (S.WAITING_FOR_DOCUMENTS, SA.DOCUMENTS_MISSING): frozenset({S.WAITING_FOR_DOCUMENTS}),
    (S.WAITING_FOR_DOCUMENTS, SA.DOCUMENTS_COMPLETE): frozenset({S.IN_REVIEW}),
    (S.IN_REVIEW, SA.DOCUMENTS_MISSING): frozenset({S.WAITING_FOR_DOCUMENTS}),
    (S.CALCULATED, SA.DOCUMENTS_MISSING): frozenset({S.WAITING_FOR_DOCUMENTS}),
    # A recalculation always goes back to the customer for a renewed confirmation.
    (S.IN_REVIEW, SA.CALCULATE): frozenset({S.CALCULATED, S.AWAITING_CONFIRMATION}),
    (S.CALCULATED, SA.CALCULATE): frozenset({S.AWAITING_CONFIRMATION}),
    (S.AWAITING_CONFIRMATION, SA.CALCULATE): frozenset({S.AWAITING_CONFIRMATION}),
    (S.CONFIRMED, SA.CALCULATE): frozenset({S.AWAITING_CONFIRMATION}),
    (S.CALCULATED, SA.REQUEST_CONFIRMATION): frozenset({S.AWAITING_CONFIRMATION}),
    (S.AWAITING_CONFIRMATION, SA.CONFIRM): frozenset({S.CONFIRMED}),
    (S.CALCULATED, SA.APPROVE): frozenset({S.COMPLETED}),
    (S.CONFIRMED, SA.APPROVE): frozenset({S.COMPLETED}),
    # A failure while applying changes nothing: the request stays where it was.
    (S.CALCULATED, SA.FAIL): frozenset({S.CALCULATED}),
    (S.CONFIRMED, SA.FAIL): frozenset({S.CONFIRMED}),
    (S.COMPLETED, SA.ARCHIVE): frozenset({S.ARCHIVED}),
    **{(status, SA.REJECT): frozenset({S.REJECTED}) for status in SERVICING_OPEN},
    **{(status, SA.WITHDRAW): frozenset({S.WITHDRAWN}) for status in SERVICING_OPEN},
}

NEW = ""  # the status of an aggregate before its first transition

POLICY_TRANSITIONS: Table = {
    (NEW, PA.ISSUE): frozenset({P.ACTIVE}),
    (P.ACTIVE, PA.ENDORSE): frozenset({P.ACTIVE}),
    (P.ACTIVE, PA.FILE): frozenset({P.ACTIVE}),
    (P.ACTIVE, PA.RENEW): frozenset({P.ACTIVE}),
    (P.ACTIVE, PA.CANCEL): frozenset({P.CANCELLED}),
}


class TransitionNotAllowed(Conflict):
    default_code = "policies_transition_not_allowed"
    default_message = _("A {what} that is {status} cannot {action}.")


_WHAT = {
    "application": _("application"),
    "servicing": _("servicing request"),
    "policy": _("policy"),
}
_TABLES: dict[str, Table] = {
    "application": APPLICATION_TRANSITIONS,
    "servicing": SERVICING_TRANSITIONS,
    "policy": POLICY_TRANSITIONS,
}


def targets(what: str, status: str, action: str) -> frozenset[str]:
    """The statuses `action` may lead to from `status`; raises when it is not allowed."""
    allowed = _TABLES[what].get((status, action))
    if allowed is None:
        raise TransitionNotAllowed(
            params={"what": _WHAT[what], "status": status or "new", "action": action}
        )
    return allowed


def transition_check(what: str, status: str, action: str, target: str) -> None:
    """Raises TransitionNotAllowed unless `action` from `status` may lead to `target`."""
    if target not in targets(what, status, action):
        raise TransitionNotAllowed(
            params={"what": _WHAT[what], "status": status or "new", "action": action}
        )


def allowed_actions(what: str, status: str) -> list[str]:
    """The actions possible from `status`, for screens that offer only those."""
    return sorted({action for (state, action) in _TABLES[what] if state == status})
