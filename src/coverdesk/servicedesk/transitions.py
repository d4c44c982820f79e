"""Which actions are allowed in which status, and where they lead, for inquiries, call-back
tasks, complaints, return visits and service issues. Pure: no ORM. A service checks its move
here before writing."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _

from coverdesk.core.exceptions import Conflict
from coverdesk.servicedesk.choices import (
    CallbackAction,
    CallbackStatus,
    ComplaintAction,
    ComplaintStatus,
    InquiryAction,
    InquiryStatus,
    IssueAction,
    IssueStatus,
    VisitAction,
    VisitStatus,
)

Table = Mapping[tuple[str, str], frozenset[str]]

NEW = ""  # the status of a record before its first transition

Q, QA = InquiryStatus, InquiryAction
INQUIRY_OPEN: frozenset[str] = frozenset({Q.OPEN, Q.ANSWERED})
INQUIRY_TRANSITIONS: Table = {
    (NEW, QA.RECEIVE): frozenset({Q.OPEN}),
    (Q.OPEN, QA.REPLY): frozenset({Q.ANSWERED}),
    (Q.ANSWERED, QA.REPLY): frozenset({Q.ANSWERED}),
    (Q.OPEN, QA.CUSTOMER_MESSAGE): frozenset({Q.OPEN}),
    (Q.ANSWERED, QA.CUSTOMER_MESSAGE): frozenset({Q.OPEN}),
    (Q.OPEN, QA.RESOLVE): frozenset({Q.RESOLVED}),
    (Q.ANSWERED, QA.RESOLVE): frozenset({Q.RESOLVED}),
    (Q.RESOLVED, QA.REOPEN): frozenset({Q.OPEN}),
    **{(status, QA.CLASSIFY): frozenset({status}) for status in INQUIRY_OPEN},
    **{(status, QA.TRANSFER): frozenset({status}) for status in INQUIRY_OPEN},
    **{(status, QA.NOTE): frozenset({status}) for status in (*INQUIRY_OPEN, Q.RESOLVED)},
}

CB, CBA = CallbackStatus, CallbackAction
CALLBACK_TRANSITIONS: Table = {
    (CB.OPEN, CBA.ATTEMPT): frozenset({CB.REACHED, CB.NOT_REACHED}),
    (CB.NOT_REACHED, CBA.ATTEMPT): frozenset({CB.REACHED, CB.NOT_REACHED}),
    (CB.OPEN, CBA.CANCEL): frozenset({CB.CANCELLED}),
    (CB.NOT_REACHED, CBA.CANCEL): frozenset({CB.CANCELLED}),
}

C, CA = ComplaintStatus, ComplaintAction
COMPLAINT_OPEN: frozenset[str] = frozenset({C.RECEIVED, C.IN_PROGRESS})
COMPLAINT_TRANSITIONS: Table = {
    (NEW, CA.RECEIVE): frozenset({C.RECEIVED}),
    (C.RECEIVED, CA.CONTACT): frozenset({C.IN_PROGRESS}),
    # An update to a complainant not contacted yet is the first contact.
    (C.RECEIVED, CA.UPDATE): frozenset({C.IN_PROGRESS}),
    (C.IN_PROGRESS, CA.UPDATE): frozenset({C.IN_PROGRESS}),
    **{(status, CA.ASSIGN): frozenset({status}) for status in (*COMPLAINT_OPEN, C.RESOLVED)},
    **{(status, CA.CLASSIFY): frozenset({status}) for status in (*COMPLAINT_OPEN, C.RESOLVED)},
    **{(status, CA.DETERMINE): frozenset({status}) for status in (*COMPLAINT_OPEN, C.RESOLVED)},
    **{(status, CA.EXTEND): frozenset({status}) for status in COMPLAINT_OPEN},
    # A resolution told to the complainant is also the first contact, if none came before.
    **{(status, CA.RESOLVE): frozenset({C.RESOLVED}) for status in COMPLAINT_OPEN},
    (C.RESOLVED, CA.ACCEPT): frozenset({C.CLOSED}),
    (C.RESOLVED, CA.DECLINE): frozenset({C.RESOLVED}),
    (C.RESOLVED, CA.REOPEN): frozenset({C.IN_PROGRESS}),
    (C.CLOSED, CA.REOPEN): frozenset({C.IN_PROGRESS}),
}

V, VA = VisitStatus, VisitAction
VISIT_TRANSITIONS: Table = {
    (NEW, VA.PLAN): frozenset({V.PLANNED, V.DUE}),
    (V.PLANNED, VA.OPEN): frozenset({V.DUE}),
    (V.PLANNED, VA.RECORD): frozenset({V.DONE}),
    (V.DUE, VA.RECORD): frozenset({V.DONE}),
    (V.PLANNED, VA.CANCEL): frozenset({V.CANCELLED}),
    (V.DUE, VA.CANCEL): frozenset({V.CANCELLED}),
}

S, SA = IssueStatus, IssueAction
ISSUE_TRANSITIONS: Table = {
    (NEW, SA.OPEN): frozenset({S.OPEN}),
    (S.OPEN, SA.RESOLVE): frozenset({S.RESOLVED}),
    (S.RESOLVED, SA.CONFIRM): frozenset({S.CLOSED}),
    (S.RESOLVED, SA.REJECT): frozenset({S.OPEN}),
}


class TransitionNotAllowed(Conflict):
    default_code = "servicedesk_transition_not_allowed"
    default_message = _("A {what} that is {status} cannot {action}.")


_WHAT = {
    "inquiry": _("inquiry"),
    "callback": _("call-back task"),
    "complaint": _("complaint"),
    "visit": _("return visit"),
    "issue": _("service issue"),
}
_TABLES: dict[str, Table] = {
    "inquiry": INQUIRY_TRANSITIONS,
    "callback": CALLBACK_TRANSITIONS,
    "complaint": COMPLAINT_TRANSITIONS,
    "visit": VISIT_TRANSITIONS,
    "issue": ISSUE_TRANSITIONS,
}


def _refusal(what: str, status: str, action: str) -> TransitionNotAllowed:
    return TransitionNotAllowed(
        params={"what": _WHAT[what], "status": status or "new", "action": action}
    )


def targets(what: str, status: str, action: str) -> frozenset[str]:
    """The statuses `action` may lead to from `status`; raises when it is not allowed."""
    allowed = _TABLES[what].get((status, action))
    if allowed is None:
        raise _refusal(what, status, action)
    return allowed


def transition_check(what: str, status: str, action: str, target: str) -> None:
    """Raises TransitionNotAllowed unless `action` from `status` may lead to `target`."""
    if target not in targets(what, status, action):
        raise _refusal(what, status, action)


def allowed_actions(what: str, status: str) -> list[str]:
    """The actions possible from `status`, for screens that offer only those."""
    return sorted({action for (state, action) in _TABLES[what] if state == status})
