"""Signals the enterprises app sends; matchmaking receives them (apps depend one way).

Send them from services after a write, inside the transaction; receivers only enqueue
work with `transaction.on_commit`.
"""

from django.dispatch import Signal

# An enterprise's matching-relevant profile changed. kwargs: enterprise_ids: list[int]
enterprise_changed = Signal()
