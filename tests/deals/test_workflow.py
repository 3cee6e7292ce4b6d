import pytest

from deals import workflow

ENT = frozenset({workflow.ENTERPRISE})
OWN = frozenset({workflow.OWNER})


@pytest.mark.parametrize(
    ("from_state", "to_state"),
    [
        ("new", "in_discussion"),
        ("in_discussion", "meeting_scheduled"),
        ("meeting_scheduled", "mou_signed"),
        ("mou_signed", "agreement_signed"),
    ],
)
def test_both_sides_move_forward_one_step(from_state, to_state):
    assert workflow.is_allowed(from_state, to_state, sides=ENT)
    assert workflow.is_allowed(from_state, to_state, sides=OWN)


@pytest.mark.parametrize("state", ["new", "in_discussion", "meeting_scheduled", "mou_signed"])
def test_only_owner_declines_and_only_enterprise_withdraws_from_open_states(state):
    assert workflow.sides_allowed(state, "declined") == OWN
    assert workflow.sides_allowed(state, "withdrawn") == ENT


@pytest.mark.parametrize(
    ("from_state", "to_state"),
    [
        ("new", "meeting_scheduled"),  # skipping a step
        ("in_discussion", "new"),  # backwards
        ("agreement_signed", "withdrawn"),  # closed states are final
        ("declined", "in_discussion"),
        ("withdrawn", "new"),
        ("agreement_signed", "declined"),
    ],
)
def test_moves_outside_the_table_are_refused_for_everyone(from_state, to_state):
    assert workflow.sides_allowed(from_state, to_state) == frozenset()


def test_next_states_lists_forward_move_first():
    assert workflow.next_states("in_discussion", sides=OWN) == ["meeting_scheduled", "declined"]
    assert workflow.next_states("in_discussion", sides=ENT) == ["meeting_scheduled", "withdrawn"]
    assert workflow.next_states("agreement_signed", sides=ENT | OWN) == []
