"""Settings of the real Celery worker in the delivery tests: the test settings, plus a
file-counting email backend and a short retry base so backoff fits in a test."""

from config.settings.test import *  # noqa: F403
from config.settings.test import env

EMAIL_BACKEND = "tests.notifications.mail_backend.FlagFileEmailBackend"
NOTIFICATIONS_RETRY_BASE_SECONDS = env.float("NOTIFICATIONS_RETRY_BASE_SECONDS", default=30.0)
ROOT_URLCONF = "tests.notifications.urls"
