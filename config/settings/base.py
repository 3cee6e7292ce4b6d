"""Settings shared by every environment. Everything that differs comes from the environment."""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "django_countries",
    "import_export",
    "django_prometheus",
    "drf_spectacular_sidecar",
    "csp",
    "axes",
    "simple_history",
    "core",
    "enterprises",
    "projects",
    "matchmaking",
    "deals",
    "notifications",
    "web",
]

MIDDLEWARE = [
    # Metrics (core/metrics.py): the Before/After pair times every request from outside.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "core.observability.RequestIdMiddleware",
    # A database or Redis outage answers 503 with Retry-After, not 500 (core/middleware.py).
    "core.middleware.ServiceUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
# Fail fast when PostgreSQL is down or restarting (the request answers 503), never hang.
DATABASE_CONNECT_TIMEOUT = env.int("DATABASE_CONNECT_TIMEOUT", default=3)
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = DATABASE_CONNECT_TIMEOUT
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

LOGIN_URL = "web:login"

# Security (docs/security.md). Brute-force protection: django-axes locks a username from one
# IP address after AXES_FAILURE_LIMIT failed sign-ins, for AXES_COOLOFF_TIME hours; the
# lockouts are listed in the admin ("Axes"). Every login (admin, web) goes through axes.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "web/auth/locked_out.html"
# Trusted reverse proxies in front of the application (a TLS proxy or load balancer: 1),
# each appending to X-Forwarded-For. Lockouts, sign-up/reset limits and API throttles then
# count the client's address rather than the proxy's (core/net.py). 0: REMOTE_ADDR only.
PROXY_COUNT = env.int("PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "core.net.client_ip"
RATELIMIT_IP_META_KEY = "core.net.client_ip"
# Sign-up and password-reset requests per client IP address per hour (django-ratelimit).
SIGNUP_RATE = env("SIGNUP_RATE", default="5/h")
PASSWORD_RESET_RATE = env("PASSWORD_RESET_RATE", default="5/h")
# Content-Security-Policy (django-csp): only this site's own scripts, styles, images and
# fonts; no inline script or style, no framing. The API docs use the bundled Swagger UI
# (drf-spectacular-sidecar), not a CDN.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Audit history (django-simple-history): who changed what and when, shown in the admin.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# Cache: Redis when configured, local memory otherwise (quick start). core.cache.RedisCache is
# Django's RedisCache keeping one client per connection pool (not one per call).
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": REDIS_URL,
            # An unreachable Redis host must fail fast (the caches degrade to rendering, the
            # 503 middleware answers), not hold a request for the OS's TCP timeout.
            "OPTIONS": {
                "socket_connect_timeout": env.float("REDIS_CONNECT_TIMEOUT", default=1.0),
                "socket_timeout": env.float("REDIS_SOCKET_TIMEOUT", default=2.0),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Visitors' public pages (home, browser, project pages) are cached this many seconds at most
# (web/pagecache.py; every change of public data invalidates them at once); 0 turns it off.
WEB_PAGE_CACHE_SECONDS = env.int("WEB_PAGE_CACHE_SECONDS", default=300)

# Celery: a real broker when configured; without one, tasks run eagerly in-process.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = CELERY_BROKER_URL or "memory://"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Longer than the longest task (hard limit 30 min): a message whose worker died unacked
    # comes back only after it (docs/operations.md, drill c).
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=60 * 60)
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
# Periodic work (celery beat). Each task is idempotent, so a missed or doubled beat is harmless.
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "projects-expire-overdue": {"task": "projects.expire_overdue", "schedule": crontab(minute=5)},
    "matchmaking-nightly-rescore": {
        "task": "matchmaking.rescore_all",
        "schedule": crontab(hour=2, minute=30),
    },
    "notifications-sweep-outbox": {"task": "notifications.sweep_outbox", "schedule": 60.0},
    "notifications-daily-digest": {
        "task": "notifications.send_digests",
        "schedule": crontab(hour=8, minute=0),
        "kwargs": {"frequency": "daily"},
    },
    "notifications-weekly-digest": {
        "task": "notifications.send_digests",
        "schedule": crontab(hour=8, minute=0, day_of_week="mon"),
        "kwargs": {"frequency": "weekly"},
    },
    "notifications-deadline-reminders": {
        "task": "notifications.deadline_reminders",
        "schedule": crontab(hour=7, minute=0),
    },
}
# Scoring and notifications on separate queues, so a full rescore never delays an email.
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "matchmaking.*": {"queue": "scoring"},
    "notifications.*": {"queue": "notifications"},
}

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_URL = env("EMAIL_URL", default="")
if EMAIL_URL:
    vars().update(env.email_url("EMAIL_URL"))
# The public address of the site, for links in emails (unsubscribe, project pages).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Parklink <noreply@parklink.example>")

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Token first, so a client without credentials gets 401 with WWW-Authenticate: Token.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # API views set their own pagination and throttle classes (core/api/base.py); these are the
    # defaults for anything else, with the same rates.
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "core.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "NUM_PROXIES": PROXY_COUNT or None,
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", default="120/minute"),
        "user": env("API_THROTTLE_USER", default="1200/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Parklink API",
    "DESCRIPTION": "Cross-border industrial park investment matchmaking.",
    "VERSION": "1.0.0",
    # Swagger UI from the installed sidecar package, not a CDN (Content-Security-Policy).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name per choice set shared by several serializers (keeps `check --deploy` quiet).
    "ENUM_NAME_OVERRIDES": {
        "InterestStateEnum": "deals.models.Interest.State",
        "MatchStateEnum": "matchmaking.models.Match.State",
        "ProjectStatusEnum": "projects.models.Project.Status",
    },
}

# Product switches.
# When on, publishing a project puts it in review; an admin approves or sends it back.
PROJECT_PUBLICATION_REVIEW = env.bool("PROJECT_PUBLICATION_REVIEW", default=False)
# Largest accepted import file, in bytes, and largest number of data rows.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=10 * 1024 * 1024)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=100_000)
# An XLSX file is a zip: refuse one whose contents would unpack past this size (zip bombs).
IMPORT_MAX_UNCOMPRESSED_BYTES = env.int(
    "IMPORT_MAX_UNCOMPRESSED_BYTES", default=20 * IMPORT_MAX_BYTES
)

# Prometheus metrics at /metrics (core/metrics.py): only these client addresses, or a caller
# sending "Authorization: Bearer <METRICS_TOKEN>" when a token is set.
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=["127.0.0.1", "::1"])
METRICS_TOKEN = env("METRICS_TOKEN", default="")

# Logs carry the request id (see core/observability.py); JSON when LOG_FORMAT=json.
LOG_FORMAT = env("LOG_FORMAT", default="text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "core.observability.RequestIdLogFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
