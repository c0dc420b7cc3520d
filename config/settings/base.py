"""Settings shared by every environment. Everything that differs comes from the environment."""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "guardian",
    "treebeard",
    "django_htmx",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "django_celery_beat",
    "orgunits",
    "accounts",
    "documents",
    "notifications",
    "reviews",
    "ratings",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After authentication and messages: it signs out idle or expired sessions with a message.
    "accounts.middleware.SessionLimitsMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Approvers must have entered their second factor in this session (docs/security.md).
    "accounts.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "pghistory.middleware.HistoryMiddleware",
    # Last, as django-axes requires.
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
                "notifications.context_processors.unread_count",
            ],
        },
    },
]

_DATABASE_URL = "postgres://kiemdiem:kiemdiem@127.0.0.1:5432/kiemdiem"


def database_settings(url: str) -> dict:
    """One database's settings: persistent connections (measured 690 vs 145 req/s on this
    hardware, docs/architecture.md), and no server-side cursors when
    DJANGO_DB_DISABLE_SERVER_SIDE_CURSORS is set (behind PgBouncer in transaction mode a
    cursor would outlive its server connection; docs/scaling.md)."""
    return {
        **env.db_url_config(url),
        "CONN_MAX_AGE": env.int("DJANGO_CONN_MAX_AGE", default=60),
        "CONN_HEALTH_CHECKS": True,
        "DISABLE_SERVER_SIDE_CURSORS": env.bool(
            "DJANGO_DB_DISABLE_SERVER_SIDE_CURSORS", default=False
        ),
    }


DATABASES = {"default": database_settings(env.str("DATABASE_URL", default=_DATABASE_URL))}
# A streaming read replica for summaries and exports (config/db_router.py); none by default.
REPLICA_DATABASE_URL = env.str("DJANGO_REPLICA_DATABASE_URL", default="")
if REPLICA_DATABASE_URL:
    DATABASES["replica"] = database_settings(REPLICA_DATABASE_URL)
DATABASE_ROUTERS = ["config.db_router.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "orgunits:dashboard"
LOGOUT_REDIRECT_URL = "login"

# Vietnamese first; English must stay usable.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
MEDIA_URL = "media/"
MEDIA_ROOT = env("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "media"))

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# django-guardian: no anonymous user row; object permissions only for signed-in users.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# django-axes: throttle sign-ins by client address with a growing cool-off, never lock an
# account by itself (a colleague mistyping a chair's username must not lock the chair out).
# The wait starts at LOGIN_THROTTLE_BASE_MINUTES once AXES_FAILURE_LIMIT failures came from
# one address and doubles with each further failure, up to LOGIN_THROTTLE_MAX_MINUTES.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
AXES_COOLOFF_TIME = "accounts.lockout.cool_off"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.locked_out_response"
AXES_RESET_ON_SUCCESS = False
LOGIN_THROTTLE_BASE_MINUTES = env.int("LOGIN_THROTTLE_BASE_MINUTES", default=1)
LOGIN_THROTTLE_MAX_MINUTES = env.int("LOGIN_THROTTLE_MAX_MINUTES", default=60)
# Behind a reverse proxy the client address is the one the proxy puts in X-Forwarded-For;
# DJANGO_TRUSTED_PROXY_COUNT says how many proxies stand in front (0: use REMOTE_ADDR only).
TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_address"

# Sessions (docs/security.md): signed out after SESSION_IDLE_MINUTES without activity and
# SESSION_MAX_HOURS after signing in (a working day), whatever the activity.
SESSION_IDLE_MINUTES = env.int("DJANGO_SESSION_IDLE_MINUTES", default=30)
SESSION_MAX_HOURS = env.int("DJANGO_SESSION_MAX_HOURS", default=10)
SESSION_COOKIE_AGE = SESSION_MAX_HOURS * 3600
SESSION_COOKIE_SAMESITE = "Lax"
# Second factor (TOTP + recovery codes) for approvers; entered again within
# SECOND_FACTOR_RECENT_MINUTES before a decision or publication.
SECOND_FACTOR_REQUIRED = env.bool("DJANGO_SECOND_FACTOR_REQUIRED", default=True)
SECOND_FACTOR_RECENT_MINUTES = env.int("DJANGO_SECOND_FACTOR_RECENT_MINUTES", default=15)
OTP_TOTP_ISSUER = "Kiểm điểm, xếp loại"
# Password recovery: an administrator's one-time link always works; e-mail only if configured.
PASSWORD_RESET_TIMEOUT = 24 * 3600
PASSWORD_RESET_BY_EMAIL = env.bool("DJANGO_PASSWORD_RESET_BY_EMAIL", default=False)
# A username longer than axes' column is cut, not a database error (any login form).
AXES_USERNAME_CALLABLE = "orgunits.auth.axes_username"

# No inline scripts or styles anywhere; htmx 2 is configured through a meta tag.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
    }
}

# Celery (docs/background-jobs.md). An empty broker URL means "run tasks in-process"
# (CELERY_TASK_ALWAYS_EAGER) — for a laptop without Redis, never in production (README).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/0")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
# JSON only: a message can never carry a pickled object to execute.
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL or None)
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TIMEZONE = TIME_ZONE
# Exactly one beat, reading its schedule from the database (rows made by a data migration).
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# The longest task (a large PDF) stays under the hard limit; the soft limit lets it clean up.
CELERY_TASK_SOFT_TIME_LIMIT = 540
CELERY_TASK_TIME_LIMIT = 600
# Redis gives an unacknowledged message to another worker after `visibility_timeout`: it must
# exceed the hard time limit by far, or a slow late-acknowledged task would run twice at once.
# It is also how long a message waits after its worker was killed outright, which is why no
# task uses a long countdown or ETA (beat reads the calendar from the database instead).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    "socket_connect_timeout": 3,
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 3
# A web request must not hang on a dead broker: give up after ~1 s and use the outbox.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Late acknowledgement and requeue-on-loss are per task (idempotent tasks only), not here.
CELERY_TASK_ACKS_LATE = False
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# One message at a time per process: with late acks a prefetched message would wait behind a
# long task while another worker sits idle.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# "documents": interactive PDFs, someone is waiting; "reminders": bulk fan-out; "celery": the
# rest (outbox flush). Workers consume all three unless started with -Q.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = [Queue("celery"), Queue("documents"), Queue("reminders")]
CELERY_TASK_ROUTES = {
    "documents.tasks.*": {"queue": "documents"},
    "orgunits.tasks.*": {"queue": "documents"},  # roster uploads: someone is watching
    "ratings.tasks.*": {"queue": "documents"},  # historical-levels uploads, likewise
    "reviews.tasks.send_deadline_reminders": {"queue": "reminders"},
    "reviews.tasks.remind_batch": {"queue": "reminders"},
    "notifications.tasks.send_digests": {"queue": "reminders"},
}
# The fault tests' probe task refuses to run unless this is set (tests/notifications).
KIEMDIEM_FAULT_TEST_TASKS = env.bool("KIEMDIEM_FAULT_TEST_TASKS", default=False)
# Absolute links in e-mails.
SITE_URL = env("DJANGO_SITE_URL", default="http://127.0.0.1:8000")

# Roster uploads: an organisation's list fits well below this.
ROSTER_UPLOAD_MAX_BYTES = env.int("ROSTER_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = ROSTER_UPLOAD_MAX_BYTES

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
}
