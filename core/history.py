"""Audit history (django-simple-history): who wrote the record a save is about to make.

In a request, `simple_history.middleware.HistoryRequestMiddleware` names the signed-in user.
Services also run outside requests (tasks, commands, the shell), so they name the acting
user themselves with `history_user_set` before they save.
"""

from typing import Any

from django.db import models


def history_user_set(*, instance: models.Model, user: Any) -> None:
    """Record `user` as the author of `instance`'s next history record (if signed in)."""
    if user is not None and getattr(user, "is_authenticated", False):
        instance._history_user = user
