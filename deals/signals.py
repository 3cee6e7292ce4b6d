"""Signals the deals app sends; notifications receives them (apps depend one way).

Sent by deals.services inside the transaction that made the change, so receivers can
write their rows in the same transaction.
"""

from django.dispatch import Signal

# An interest was expressed or a candidate invited. kwargs: interest_id: int
interest_created = Signal()
# An interest moved in the pipeline. kwargs: interest_id: int, transition_id: int
interest_transitioned = Signal()
