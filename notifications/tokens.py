"""Signed one-click unsubscribe tokens: no login, no database row, tamper-proof."""

from django.core import signing

SALT = "notifications.unsubscribe"


def unsubscribe_token_make(*, user_id: int, kind: str = "") -> str:
    """A token that turns off emails of `kind` (every kind when empty) for `user_id`."""
    return signing.dumps({"u": user_id, "k": kind}, salt=SALT, compress=True)


def unsubscribe_token_read(token: str) -> tuple[int, str]:
    """(user_id, kind) from a token; raises django.core.signing.BadSignature if tampered."""
    data = signing.loads(token, salt=SALT)
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise signing.BadSignature("malformed unsubscribe token")
    return data["u"], str(data.get("k", ""))
