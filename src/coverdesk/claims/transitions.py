"""Which actions are allowed in which status, and where they lead, for claims and incidents;
which timeliness standard each clock of a claim runs on. Pure: no ORM. A service checks its
move here before writing."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _

from coverdesk.claims.choices import (
    ClaimAction,
    ClaimStatus,
    ClockPurpose,
    Complexity,
    IncidentAction,
    IncidentStatus,
)
from coverdesk.core.exceptions import Conflict

C, CA = ClaimStatus, ClaimAction
IS, IA = IncidentStatus, IncidentAction

Table = Mapping[tuple[str, str], frozenset[str]]

NEW = ""  # the status of an aggregate before its first transition

# Statuses in which the claim is still being worked on (materials, survey, reserves).
CLAIM_OPEN: frozenset[str] = frozenset(
    {C.REPORTED, C.REGISTERED, C.ASSESSED, C.APPROVED, C.SETTLED}
)
# Before the decision: the loss may still be surveyed and assessed.
CLAIM_BEFORE_DECISION: frozenset[str] = frozenset({C.REPORTED, C.REGISTERED, C.ASSESSED})

# Steps that keep the status write a history row with from == to.
_SAME: dict[tuple[str, str], frozenset[str]] = {
    (status, str(action)): frozenset({status})
    for status in CLAIM_OPEN
    for action in (CA.ASSIGN, CA.MATERIALS_REQUEST, CA.MATERIALS_COMPLETE)
}

CLAIM_TRANSITIONS: Table = {
    (NEW, CA.REPORT): frozenset({C.REPORTED}),
    **_SAME,
    (C.REPORTED, CA.EXPOSURES): frozenset({C.REPORTED}),
    (C.REGISTERED, CA.EXPOSURES): frozenset({C.REGISTERED}),
    (C.REPORTED, CA.REGISTER): frozenset({C.REGISTERED}),
    (C.REGISTERED, CA.ASSESS): frozenset({C.ASSESSED}),
    (C.ASSESSED, CA.APPROVE): frozenset({C.APPROVED}),
    (C.ASSESSED, CA.DECLINE): frozenset({C.DECLINED}),
    (C.APPROVED, CA.SETTLE): frozenset({C.SETTLED}),
    # A partial payment keeps the claim settled; the final one makes it paid.
    (C.SETTLED, CA.PAY): frozenset({C.SETTLED, C.PAID}),
    (C.PAID, CA.CLOSE): frozenset({C.CLOSED}),
    (C.DECLINED, CA.CLOSE): frozenset({C.CLOSED}),
    (C.WITHDRAWN, CA.CLOSE): frozenset({C.CLOSED}),
    (C.CLOSED, CA.REOPEN): frozenset({C.REGISTERED}),
    **{(status, CA.WITHDRAW): frozenset({C.WITHDRAWN}) for status in CLAIM_BEFORE_DECISION},
}

INCIDENT_OPEN: frozenset[str] = frozenset({IS.REPORTED, IS.CONTACTED, IS.DISPATCHED, IS.DEPARTED})

INCIDENT_TRANSITIONS: Table = {
    (NEW, IA.REPORT): frozenset({IS.REPORTED}),
    (IS.REPORTED, IA.CONTACT): frozenset({IS.CONTACTED}),
    (IS.CONTACTED, IA.DISPATCH): frozenset({IS.DISPATCHED}),
    # More resources may follow the first dispatch.
    (IS.DISPATCHED, IA.DISPATCH): frozenset({IS.DISPATCHED}),
    (IS.DEPARTED, IA.DISPATCH): frozenset({IS.DEPARTED}),
    (IS.DISPATCHED, IA.DEPART): frozenset({IS.DEPARTED}),
    **{(status, IA.LEVEL): frozenset({status}) for status in INCIDENT_OPEN},
    **{(status, IA.MAJOR_STEP): frozenset({status}) for status in INCIDENT_OPEN},
    **{(status, IA.CLOSE): frozenset({IS.CLOSED}) for status in INCIDENT_OPEN},
}


class TransitionNotAllowed(Conflict):
    default_code = "claims_transition_not_allowed"
    default_message = _("A {what} that is {status} cannot {action}.")


_WHAT = {"claim": _("claim"), "incident": _("incident")}
_TABLES: dict[str, Table] = {"claim": CLAIM_TRANSITIONS, "incident": INCIDENT_TRANSITIONS}


def transition_refuse(what: str, status: str, action: str) -> TransitionNotAllowed:
    return TransitionNotAllowed(
        params={"what": _WHAT[what], "status": status or "new", "action": action}
    )


def targets(what: str, status: str, action: str) -> frozenset[str]:
    """The statuses `action` may lead to from `status`; raises when it is not allowed."""
    allowed = _TABLES[what].get((status, action))
    if allowed is None:
        raise transition_refuse(what, status, action)
    return allowed


def transition_check(what: str, status: str, action: str, target: str) -> None:
    """Raises TransitionNotAllowed unless `action` from `status` may lead to `target`."""
    if target not in targets(what, status, action):
        raise transition_refuse(what, status, action)


def allowed_actions(what: str, status: str) -> list[str]:
    """The actions possible from `status`, for screens that offer only those."""
    return sorted({action for (state, action) in _TABLES[what] if state == status})


# Timeliness ---------------------------------------------------------------------------------

CLOCK_STANDARDS: Mapping[str, str] = {
    ClockPurpose.CONTACT_REPORTER: "aviation.accident.contact_reporter",
    ClockPurpose.RESOURCES_DISPATCHED: "aviation.accident.resources_dispatched",
    ClockPurpose.TEAM_DEPARTS: "aviation.accident.team_departs",
    ClockPurpose.TEAM_FORMED: "aviation.major_event.team_formed",
    ClockPurpose.RESPONSE_PLAN: "aviation.major_event.response_plan",
    ClockPurpose.CUSTOMER_REPORT: "aviation.major_event.customer_report",
    ClockPurpose.MISSING_MATERIALS_NOTICE: "law.insurance_22.missing_materials_notice",
    ClockPurpose.REGISTRATION: "claims.registration",
    ClockPurpose.DECISION: "law.insurance_23.decision",
    ClockPurpose.GREEN_ACCEPTANCE: "claims_bid.green_channel.acceptance",
    ClockPurpose.GREEN_SURVEY_ASSESSMENT: "claims_bid.green_channel.survey_assessment",
    ClockPurpose.GREEN_APPROVAL: "claims_bid.green_channel.approval",
    ClockPurpose.GREEN_PAYMENT: "claims_bid.green_channel.payment",
    ClockPurpose.LEGAL_PAYMENT: "law.insurance_23.payment",
    ClockPurpose.REFUSAL_NOTICE: "law.insurance_24.refusal_notice",
    ClockPurpose.ADVANCE_PAYMENT: "law.insurance_25.advance_payment",
}
# Standards that depend on the claim's complexity.
BY_COMPLEXITY: Mapping[str, str] = {
    ClockPurpose.ADJUDICATION: "claims.adjudication.{complexity}",
    ClockPurpose.PAYMENT: "claims.payment.{complexity}",
}

# The accident response (7×24) and the major event's steps, in the order they are owed.
ACCIDENT_CLOCKS: tuple[str, ...] = (
    ClockPurpose.CONTACT_REPORTER,
    ClockPurpose.RESOURCES_DISPATCHED,
    ClockPurpose.TEAM_DEPARTS,
)
MAJOR_EVENT_CLOCKS: tuple[str, ...] = (
    ClockPurpose.TEAM_FORMED,
    ClockPurpose.RESPONSE_PLAN,
    ClockPurpose.CUSTOMER_REPORT,
)
# Waiting for the customer's materials pauses the company's clocks and the legal 30-day
# decision clock (judicial interpretation II of the Insurance Law, art. 15).
PAUSED_WHILE_WAITING: frozenset[str] = frozenset(
    {
        ClockPurpose.REGISTRATION,
        ClockPurpose.DECISION,
        ClockPurpose.ADJUDICATION,
        ClockPurpose.GREEN_ACCEPTANCE,
        ClockPurpose.GREEN_SURVEY_ASSESSMENT,
        ClockPurpose.GREEN_APPROVAL,
    }
)


def clock_standard(purpose: str, complexity: str = Complexity.GENERAL) -> str:
    """The standard code a clock of `purpose` runs on."""
    if purpose in BY_COMPLEXITY:
        if complexity not in Complexity.values:
            raise ValueError(f"unknown complexity {complexity!r}")
        return BY_COMPLEXITY[purpose].format(complexity=complexity)
    return CLOCK_STANDARDS[purpose]
