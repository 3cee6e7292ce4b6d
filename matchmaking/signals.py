"""Signals the matchmaking app sends (notifications receive them; apps depend one way).

Sent by the services after storing matches, inside the transaction; receivers defer
side effects with `transaction.on_commit`.
"""

from django.dispatch import Signal

# Matches were stored. kwargs: new_match_ids: list[int] = eligible matches that did not
# exist before this rescore (finding the same pair again is not new).
matches_stored = Signal()
