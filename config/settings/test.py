"""Tests: the real PostgreSQL and the real Redis, as CI runs them."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/parklink")
}
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/1")
CACHES = {
    "default": {
        "BACKEND": "core.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "parklink-test",
    }
}
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/2")
# Tests run tasks in-process unless a test starts a real worker (see tests/conftest.py).
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# No collected static files in tests; Django serves nothing static here.
MIDDLEWARE = [m for m in MIDDLEWARE if m != "whitenoise.middleware.WhiteNoiseMiddleware"]  # noqa: F405
# Throttles stay on, but loose enough for the many sign-ups of the test suite from one
# address (the counters live in Redis across tests); tests/security tightens them.
SIGNUP_RATE = "1000/m"
PASSWORD_RESET_RATE = "1000/m"  # noqa: S105 - a rate, not a password
# Tests read the public views' context, which a page served from the cache has not; the
# page cache has its own tests (tests/web/test_page_cache.py), which turn it on.
WEB_PAGE_CACHE_SECONDS = 0
