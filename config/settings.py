"""Outturn's one settings module: everything that differs between machines comes from the
environment (see docs/configuration.md). With nothing set, it runs on an SQLite file under
var/ with Celery tasks executed eagerly in-process."""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config import release
from config.logging import configure_structlog, logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

# Core
DEBUG = env.bool("DEBUG", default=False)
# The "django-insecure-" prefix makes `check --deploy` flag a forgotten SECRET_KEY.
SECRET_KEY = env("SECRET_KEY", default="django-insecure-outturn-development-key-change-me")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

DJANGO_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]
THIRD_PARTY_APPS = [
    "django_tables2",
    "django_filters",
    "simple_history",
    "axes",
    "csp",
    "health_check",
    "django_structlog",
    "crispy_forms",
    "crispy_forms_gds",
]
# Forms are drawn by crispy-forms-gds, the GOV.UK Design System's template pack for
# django-crispy-forms: a form's labels, hints, widths and limits are said once, in the form.
CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"
LOCAL_APPS = ["core", "authorities", "indicators", "scrutiny", "imports", "reports", "demo"]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.routing.ReplicaReadsMiddleware",  # GET pages read a replica, if one is configured
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django_structlog.middlewares.RequestMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.roles",
            ],
        },
    }
]

# Database
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'outturn.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(exist_ok=True)
    # A file, not :memory:, so a Celery worker started by a test sees the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
else:
    # Each process keeps its PostgreSQL connection between requests (a new one costs a
    # server process and a sign-in every request), checked before reuse after an error —
    # unless DATABASE_URL says otherwise (django-environ reads ?conn_max_age=0 there).
    DATABASES["default"].setdefault("CONN_MAX_AGE", 300)
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
    # A form's model choices are read through a server-side cursor otherwise (DECLARE, fetch,
    # close: three round trips for a dozen categories), which a pooler in transaction mode
    # could not keep either. Outturn reads nothing large through a queryset's iterator.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
# A read replica of PostgreSQL for pages and papers (core.routing), where one is run: reads
# for readers go there, every write and every check before a write to the primary.
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = {
        **env.db("DATABASE_REPLICA_URL"),
        "CONN_MAX_AGE": DATABASES["default"].get("CONN_MAX_AGE", 0),
        "CONN_HEALTH_CHECKS": True,
        "DISABLE_SERVER_SIDE_CURSORS": True,
        # Tests read the primary through it, as the replica would once caught up.
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_ROUTERS = ["core.routing.ReplicaRouter"]
# What readers read from a replica: figures, places, scrutiny, papers and the versions keying
# them (never sessions, sign-in or imports' checks).
READ_REPLICA_APPS = ["core", "authorities", "indicators", "scrutiny", "reports"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Authentication: django-axes locks out a username after repeated failures from one address.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Email: the set-password links and reminders. make run prints them to the console; in
# production SMTP from the environment (EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER,
# EMAIL_HOST_PASSWORD, EMAIL_USE_TLS).
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if env("EMAIL_HOST", default="")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
EMAIL_TIMEOUT = 10  # nothing waits for ever on a mail server
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))  # filebased backend
# Where links in email point (the digest is sent by a worker, with no request to ask).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Outturn <outturn@localhost>")
PASSWORD_RESET_TIMEOUT = 3 * 24 * 60 * 60  # a set-password link works for three days

# Internationalisation: English councils, London time.
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# History is read by the record it belongs to (its id, or a figure's authority), then put
# in date order in memory: no index on its date, which a national import would write
# 440,640 entries of.
SIMPLE_HISTORY_DATE_INDEX = False

# Static files: our own in static/, third-party ones built by `make install` into build/static.
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static", BASE_DIR / "build" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env(
            "STATICFILES_STORAGE",
            default="django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
# Uploads kept for their confirm, problem files and papers: the file system by default; with
# several machines, one S3-compatible bucket they all read (django-storages, the well-kept
# choice; credentials from the usual AWS_* variables or the machine's role).
MEDIA_STORAGE = env("MEDIA_STORAGE", default="filesystem")
if MEDIA_STORAGE == "s3":
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("MEDIA_BUCKET"),
            "endpoint_url": env("MEDIA_ENDPOINT_URL", default=None),
            "region_name": env("MEDIA_REGION", default=None),
            "location": env("MEDIA_PREFIX", default="outturn"),
            "default_acl": None,  # the bucket's own: private
            "querystring_auth": True,  # a download link is signed and expires
            "querystring_expire": 300,
            "file_overwrite": False,
        },
    }
elif MEDIA_STORAGE != "filesystem":
    raise ImproperlyConfigured('MEDIA_STORAGE is "filesystem" (the default) or "s3"')
# Where an upload too large to hold in memory is spooled while its request reads it: Outturn's
# own folder (made by the upload handler), swept of what a killed web process leaves there.
FILE_UPLOAD_TEMP_DIR = str(env.path("FILE_UPLOAD_TEMP_DIR", default=VAR_DIR / "uploading"))
UPLOAD_LEFT_AFTER = env.int("UPLOAD_LEFT_AFTER", default=60 * 60)  # past any request's time
# Serve straight from the static folders when collectstatic has not run (tests, the native
# smoke test); production images run collectstatic and leave this off.
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=DEBUG)


# Celery: no REDIS_URL means tasks run eagerly in the web process, so `make run` needs no broker.
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE  # the digest's 07:00 is London's
CELERY_TASK_SOFT_TIME_LIMIT = 600
CELERY_TASK_TIME_LIMIT = 660
# Fail fast when the broker is down so the caller can fall back to running in-process.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# visibility_timeout: how long Redis waits before redelivering a task nobody acknowledged.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 1,
    "socket_connect_timeout": 2,
    "visibility_timeout": 3600,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "retry_policy": {
        "max_retries": 2,
        "interval_start": 0,
        "interval_step": 0.5,
        "interval_max": 1,
    },
    "socket_connect_timeout": 2,
}

# Papers have their own queue and worker (docker-compose's `briefings`), so a flood of them
# never delays a recompute: the recompute and import tasks keep the default queue's worker.
CELERY_TASK_ROUTES = {"reports.tasks.build_briefing": {"queue": "briefings"}}
# Year briefings a person may have waiting at once (more are refused, with a message).
BRIEFINGS_WAITING_PER_PERSON = env.int("BRIEFINGS_WAITING_PER_PERSON", default=3)

CELERY_BEAT_SCHEDULE = {
    "status-consistency-sweep": {
        "task": "indicators.tasks.repair_statuses",
        "schedule": env.int("SWEEP_EVERY_SECONDS", default=6 * 60 * 60),
    },
    "stuck-recompute-sweep": {
        "task": "imports.tasks.sweep_stuck_recomputes",
        "schedule": 60,
    },
    "stuck-import-sweep": {"task": "imports.tasks.sweep_stuck_imports", "schedule": 60},
    "expire-drafts": {"task": "imports.tasks.expire_drafts", "schedule": 24 * 60 * 60},
    "sweep-left-uploads": {"task": "imports.tasks.sweep_left_uploads", "schedule": 60 * 60},
    # At 07:00 each day (London).
    "daily-digest": {
        "task": "scrutiny.tasks.send_daily_digests",
        "schedule": crontab(hour=7, minute=0),
    },
}
# An import's recompute that has not moved for this long is run again (and /healthz says so).
RECOMPUTE_STUCK_AFTER = env.int("RECOMPUTE_STUCK_AFTER", default=5 * 60)
# A confirmed import not saved this long after it was handed to the worker is handed over
# again (and /healthz says so after twice as long): longer than a task may run (660 s).
IMPORT_STUCK_AFTER = env.int("IMPORT_STUCK_AFTER", default=15 * 60)
# /healthz runs the database, disk, broker and worker checks (core/health.py) and these, each
# app's own (dotted paths, so settings import no application code).
HEALTH_CHECKS = ["imports.health.Stalled"]

# Logging: one line per event on stderr.
# Logs: JSON lines with request and task ids (config/logging.py); LOG_FORMAT=console for people.
configure_structlog()
LOGGING = logging_config(
    level=env("LOG_LEVEL", default="INFO"), log_format=env("LOG_FORMAT", default="json")
)
DJANGO_STRUCTLOG_CELERY_ENABLED = True

# Security. Scripts only from our own static files (charts read JSON data blocks, never
# inline script); plotly sets inline styles as it draws, hence 'unsafe-inline' for styles only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)  # a working day
CSRF_COOKIE_HTTPONLY = True
# Behind HTTPS in production (docker-compose sets HTTPS=true): secure cookies, HSTS, redirect.
HTTPS = env.bool("HTTPS", default=False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP

# Imports
# 50 MB: DfE's whole national return is about 20 MB (what a file at the limit costs to read:
# bench/upload_memory_bench.py, docs/reliability.md). Refused before it is read.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=50 * 1024 * 1024)
# An XLSX is a zip: what it may unpack to, and the rows and columns read from its sheet.
IMPORT_MAX_XLSX_INFLATED_BYTES = env.int(
    "IMPORT_MAX_XLSX_INFLATED_BYTES", default=200 * 1024 * 1024
)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=1_000_000)
IMPORT_MAX_COLUMNS = env.int("IMPORT_MAX_COLUMNS", default=1_000)
FILE_UPLOAD_HANDLERS = [
    "imports.uploads.SizeLimitedUpload",  # by name: settings import no application code
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Pages cache what they build against the data version (core.versions), so an entry is never
# stale; by default each process keeps its own in memory. CACHE_URL may name a shared one
# (redis://…), e.g. for many web processes.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://outturn")}
if CACHES["default"]["BACKEND"].endswith("LocMemCache"):  # a shared one manages its own size
    CACHES["default"].setdefault("OPTIONS", {})["MAX_ENTRIES"] = 1000
else:
    # A release reads only its own entries: what is cached is pickled objects of its classes,
    # and a shared cache outlives a deploy (config/release.py). A process's own memory does
    # not, so it is named only here (a digest of the code, unless RELEASE names it).
    CACHES["default"]["KEY_PREFIX"] = "outturn-" + release.name(
        BASE_DIR, env("RELEASE", default="")
    )
