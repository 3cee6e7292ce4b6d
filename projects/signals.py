"""Signals the projects app sends; matchmaking (and later notifications) receive them.

Send them from services after a write, inside the transaction; receivers only enqueue
work with `transaction.on_commit` (or write rows in the same transaction).
"""

from django.dispatch import Signal

# Matching-relevant fields of projects changed (imported, edited). kwargs: project_ids: list[int]
project_changed = Signal()
# A project moved between statuses. kwargs: project_id: int, from_status: str, to_status: str,
# by_id: int | None
project_status_changed = Signal()
