"""Test settings: the real PostgreSQL and Redis, fast password hashing."""

from .base import *  # noqa: F403
from .base import database_settings, env

DEBUG = False
SECRET_KEY = "test-only-key"
# Hashing with the default hasher costs ~0.44 s per test user.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ALLOWED_HOSTS = ["*"]
# Tasks run in-process in unit tests; the Celery fault tests start a real worker themselves.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
MEDIA_ROOT = env("DJANGO_MEDIA_ROOT", default="/tmp/kiemdiem-test-media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
AXES_VERBOSE = False
# Approvers' second factor: the persona fixtures sign in with force_login, which no second
# factor can follow; tests/accounts switch it on (and a browser test walks it).
SECOND_FACTOR_REQUIRED = env.bool("DJANGO_SECOND_FACTOR_REQUIRED", default=False)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    # Expected 403/404/409 answers of the permission and conflict tests are not news.
    "loggers": {"django.request": {"level": "ERROR"}, "axes": {"level": "WARNING"}},
}
# Several test runs on one machine (e.g. a developer and CI) can keep separate databases.
DATABASES["default"]["TEST"] = {"NAME": env("DJANGO_TEST_DB_NAME", default=None)}
# The read replica that scripts/provision.sh streams from the primary (port 5433); an empty
# DJANGO_REPLICA_DATABASE_URL runs without one. The test database is made on the primary and
# reaches the replica by replication, so Django must neither create nor destroy it there: the
# alias is declared a test mirror, and tests/conftest.py points it back at the replica server
# (same database name) once the test database exists.
REPLICA_DATABASE_URL = env.str(
    "DJANGO_REPLICA_DATABASE_URL", default="postgres://kiemdiem:kiemdiem@127.0.0.1:5433/kiemdiem"
)
if REPLICA_DATABASE_URL:
    DATABASES["replica"] = database_settings(REPLICA_DATABASE_URL)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
# The Celery fault tests' workers shorten redelivery (CELERY_VISIBILITY_TIMEOUT in their
# environment); sweeping for abandoned messages every second brings a killed worker's task
# back within seconds of that timeout instead of up to 100 s later.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
    "unacked_mutex_expire": 10,
}
