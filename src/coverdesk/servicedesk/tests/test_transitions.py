"""The transition tables: what each status allows and where it leads."""

import pytest

from coverdesk.servicedesk.transitions import (
    TransitionNotAllowed,
    allowed_actions,
    targets,
    transition_check,
)


@pytest.mark.parametrize(
    ("what", "status", "action", "expected"),
    [
        ("inquiry", "", "receive", {"open"}),
        ("inquiry", "open", "reply", {"answered"}),
        ("inquiry", "answered", "customer_message", {"open"}),
        ("inquiry", "resolved", "reopen", {"open"}),
        ("inquiry", "resolved", "note", {"resolved"}),
        ("callback", "open", "attempt", {"reached", "not_reached"}),
        ("callback", "not_reached", "attempt", {"reached", "not_reached"}),
        ("complaint", "", "receive", {"received"}),
        ("complaint", "received", "contact", {"in_progress"}),
        ("complaint", "received", "resolve", {"resolved"}),
        ("complaint", "resolved", "accept", {"closed"}),
        ("complaint", "resolved", "decline", {"resolved"}),
        ("complaint", "closed", "reopen", {"in_progress"}),
        ("visit", "", "plan", {"planned", "due"}),
        ("visit", "due", "record", {"done"}),
        ("issue", "resolved", "confirm", {"closed"}),
        ("issue", "resolved", "reject", {"open"}),
    ],
)
def test_allowed_moves(what, status, action, expected):
    assert targets(what, status, action) == frozenset(expected)


@pytest.mark.parametrize(
    ("what", "status", "action"),
    [
        ("inquiry", "resolved", "reply"),
        ("inquiry", "resolved", "transfer"),
        ("inquiry", "resolved", "classify"),
        ("callback", "reached", "attempt"),
        ("callback", "cancelled", "cancel"),
        ("complaint", "closed", "resolve"),
        ("complaint", "closed", "extend"),
        ("complaint", "resolved", "extend"),
        ("complaint", "in_progress", "accept"),
        ("complaint", "in_progress", "contact"),
        ("visit", "done", "record"),
        ("visit", "cancelled", "cancel"),
        ("issue", "open", "confirm"),
        ("issue", "closed", "resolve"),
    ],
)
def test_refused_moves(what, status, action):
    with pytest.raises(TransitionNotAllowed) as caught:
        targets(what, status, action)
    assert caught.value.code == "servicedesk_transition_not_allowed"
    assert caught.value.status_code == 409


def test_a_target_the_action_cannot_reach_is_refused():
    with pytest.raises(TransitionNotAllowed):
        transition_check("complaint", "resolved", "accept", "in_progress")


def test_screens_are_offered_only_the_allowed_actions():
    assert allowed_actions("complaint", "resolved") == [
        "accept",
        "assign",
        "classify",
        "decline",
        "determine",
        "reopen",
    ]
    assert allowed_actions("inquiry", "resolved") == ["note", "reopen"]
