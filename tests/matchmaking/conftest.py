import pytest

from matchmaking.signals import matches_stored


@pytest.fixture
def announced():
    """Every `matches_stored` signal sent during the test: one list of match ids each."""
    received: list[list[int]] = []

    def receiver(sender, new_match_ids, **kwargs):
        received.append(list(new_match_ids))

    matches_stored.connect(receiver, dispatch_uid="test-announced", weak=False)
    yield received
    matches_stored.disconnect(dispatch_uid="test-announced")
