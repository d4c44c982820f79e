"""The clock transition table, every state against every action."""

import pytest

from coverdesk.sla.transitions import (
    CLOSED_STATES,
    OPEN_STATES,
    ClockAction,
    ClockState,
    ClockTransitionNotAllowed,
    transition_check,
    transition_targets,
)

R, P, M, B, C = "running", "paused", "met", "breached", "cancelled"

EXPECTED = {
    # state: {action: targets}; an action missing here is refused in that state
    R: {
        "pause": {P},
        "stop": {M, B},
        "cancel": {C},
        "reassign": {R},
        "replan": {R},
    },
    P: {
        "resume": {R},
        "stop": {M, B},
        "cancel": {C},
        "reassign": {P},
        "replan": {P},
    },
    M: {},
    B: {},
    C: {},
}

CASES = [(state, action) for state in ClockState.values for action in ClockAction.values]


def test_the_table_covers_every_state():
    assert set(EXPECTED) == set(ClockState.values)
    assert len(CASES) == 5 * 6


@pytest.mark.parametrize(("state", "action"), CASES)
def test_every_state_and_action(state, action):
    expected = EXPECTED[state].get(action)
    if expected is None:
        with pytest.raises(ClockTransitionNotAllowed) as caught:
            transition_targets(state, action)
        assert caught.value.code == "sla_clock_transition_not_allowed"
        assert caught.value.status_code == 409
    else:
        assert transition_targets(state, action) == expected


@pytest.mark.parametrize(("state", "action"), CASES)
def test_transition_check_accepts_only_the_listed_targets(state, action):
    allowed = EXPECTED[state].get(action, set())
    for target in ClockState.values:
        if target in allowed:
            transition_check(state, action, target)
        else:
            with pytest.raises(ClockTransitionNotAllowed):
                transition_check(state, action, target)


def test_the_refusal_names_state_and_action_in_words():
    with pytest.raises(ClockTransitionNotAllowed) as caught:
        transition_check(M, "pause", P)
    assert caught.value.message == "A clock that is met cannot pause."


def test_open_and_closed_states_split_the_states():
    assert {R, P} == OPEN_STATES
    assert {M, B, C} == CLOSED_STATES
    assert set(ClockState.values) == OPEN_STATES | CLOSED_STATES
