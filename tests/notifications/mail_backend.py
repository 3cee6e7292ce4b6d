"""An email backend for real-worker tests, steered by flag files in $PARKLINK_TEST_MAIL_DIR.

- `fail` exists: every send raises SMTPException (the mail server is down) and appends
  the time to `failures`;
- `block` exists: the send touches `sending` and waits until `block` is removed (so a
  test can kill the worker in the middle of a send);
- otherwise each message is written to `sent/<uuid>.eml`, so another process can count
  exactly what was delivered.
"""

import os
import smtplib
import time
import uuid
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


def mail_dir() -> Path:
    return Path(os.environ["PARKLINK_TEST_MAIL_DIR"])


def sent_messages() -> list[bytes]:
    return [p.read_bytes() for p in sorted((mail_dir() / "sent").glob("*.eml"))]


class FlagFileEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        root = mail_dir()
        for message in email_messages:
            if (root / "fail").exists():
                with (root / "failures").open("a") as log:
                    log.write(f"{time.time()}\n")
                raise smtplib.SMTPException("451 mail server unavailable (test)")
            if (root / "block").exists():
                (root / "sending").touch()
                deadline = time.monotonic() + 120
                while (root / "block").exists() and time.monotonic() < deadline:
                    time.sleep(0.05)
            target = root / "sent" / f"{uuid.uuid4().hex}.eml"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(message.message().as_bytes())
        return len(email_messages)
