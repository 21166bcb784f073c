"""Settings of the referral portal, read from environment variables.

Every value has a default that runs on a laptop with no service installed: SQLite under
``var/`` and Celery's filesystem broker, also under ``var/``. Setting ``DATABASE_URL`` and
``REDIS_URL`` moves the same code onto PostgreSQL and Redis. README.md lists every variable.
"""

import secrets
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
env.read_env(env.str("ENV_FILE", default=str(BASE_DIR / ".env")))

VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=False)


def _development_secret_key() -> str:
    """A key kept under var/ so that sessions survive a restart of the development server."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=1 for a development key).")
    SECRET_KEY = _development_secret_key()

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework_api_key",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_htmx",
    "django_celery_beat",
    "agencies",
    "strategies",
    "referrals",
    "api",
    "open311",
    "integrations",
    "portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.ThaiFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Tells whether the session passed the second step (``request.user.is_verified()``).
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # After the security headers (so that their refusals carry them too), before any view
    # or the CSRF check reads the body, and before anything loads the session.
    "portal.middleware.RequestLimitsMiddleware",
    "portal.middleware.StaffSessionMiddleware",
    "portal.middleware.TwoFactorMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks, so that it sees the outcome of every login.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = env.str("ROOT_URLCONF", default="portal.urls")
WSGI_APPLICATION = "portal.wsgi.application"

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
                "referrals.context_processors.notifications",
                "integrations.context_processors.exchanges",
            ],
        },
    },
    {
        # The rows of long lists (templates/jinja2/, portal/jinja2.py): drawn several times faster.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "portal.jinja2.environment"},
    },
]

# Form widgets by Jinja2, the admin's by Django's engine (portal/form_renderer.py).
FORM_RENDERER = "portal.form_renderer.WidgetRenderer"

# --- Database -------------------------------------------------------------------------

# guardian's warning that its own backend is missing: it is left out on purpose (see
# AUTHENTICATION_BACKENDS).
SILENCED_SYSTEM_CHECKS = ["guardian.W001"]
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web server, worker and beat share the file: WAL and immediate transactions let
    # them wait for each other instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # A file, not memory, so that a worker started by a test sees the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-portal.sqlite3")}
    # The dashboards' covering index lists extra columns that only PostgreSQL keeps.
    SILENCED_SYSTEM_CHECKS += ["models.W040"]
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env.int(
        "DATABASE_CONNECT_TIMEOUT", default=5
    )
    # Short OLTP queries on big tables: JIT compilation costs more than it saves.
    DATABASES["default"]["OPTIONS"].setdefault("options", "-c jit=off")
# A PostgreSQL streaming replica of the primary, for the reads that can be a moment old:
# the dashboards, /stats/ and the API's lists (see portal/replica.py).
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = {
        **DATABASES["default"],
        **env.db_url("DATABASE_REPLICA_URL"),
        "OPTIONS": DATABASES["default"].get("OPTIONS", {}),
        # Tests never make a database of their own for it: it is the primary's copy.
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_ROUTERS = ["agencies.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache and Celery ----------------------------------------------------------

REDIS_URL = env.str("REDIS_URL", default="")
CELERY_QUEUE_DIR = VAR_DIR / "celery-broker"

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    for folder in ("queue", "processed", "control"):
        (CELERY_QUEUE_DIR / folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_QUEUE_DIR / "queue"),
        "data_folder_out": str(CELERY_QUEUE_DIR / "queue"),
        "processed_folder": str(CELERY_QUEUE_DIR / "processed"),
        # Broadcast messages (remote control) too, or kombu writes them to ./control.
        "control_folder": str(CELERY_QUEUE_DIR / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Longer than the longest task, so that a late-acknowledged task is not
        # handed to a second worker while the first is still running it.
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
        "socket_connect_timeout": 5,
    }
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Celery's Django support otherwise opens a database connection for every task (2.6-4 ms,
# more than sending an email); it is closed every 2 x this many tasks instead. A
# connection that broke meanwhile fails one task, whose row the periodic sender retries.
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=100)
# Celery 6's default: a task cut off by a lost broker connection is redelivered, and the
# outbox's claim makes a second run harmless.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "Asia/Bangkok"
# Named queues, so that each kind of work can have workers of its own ("Deploying at
# scale" in README.md): messages to people, the deadline sweep and other timed steps of
# cases, the dashboards' counting, the exchanges with outside systems (whose calls may
# wait EXCHANGE_TIMEOUT seconds), the imports of files (minutes each), and housekeeping.
# A worker started without -Q takes them all, as `make run` does.
CELERY_QUEUE_NAMES = ("notifications", "deadlines", "dashboards", "exchanges", "imports", "celery")
CELERY_TASK_QUEUES = [Queue(name, routing_key=name) for name in CELERY_QUEUE_NAMES]
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {
    "referrals.tasks.deliver_notification": {"queue": "notifications"},
    "referrals.tasks.deliver_notifications": {"queue": "notifications"},
    "referrals.tasks.deliver_pending_notifications": {"queue": "notifications"},
    "referrals.tasks.give_up_stalled_notifications": {"queue": "notifications"},
    "referrals.tasks.send_daily_digest": {"queue": "notifications"},
    "referrals.tasks.sweep_deadlines": {"queue": "deadlines"},
    "referrals.tasks.tell_deadlines": {"queue": "deadlines"},
    "referrals.tasks.escalate_overdue_approvals": {"queue": "deadlines"},
    "referrals.tasks.end_finished_parts": {"queue": "deadlines"},
    "portal.tasks.refresh_dashboards": {"queue": "dashboards"},
    "portal.tasks.recount_dashboards": {"queue": "dashboards"},
    "integrations.gcc1111.tasks.*": {"queue": "exchanges"},
    "integrations.traffy.tasks.*": {"queue": "exchanges"},
    "integrations.tasks.import_file": {"queue": "imports"},
    "integrations.tasks.resume_imports": {"queue": "imports"},
    "integrations.tasks.send_pending_exchanges": {"queue": "exchanges"},
}
# The dashboards' figures are served from snapshots at most this old (and refreshed by
# beat every half of it), so that a page at a million cases answers without waiting.
DASHBOARD_SNAPSHOT_MINUTES = env.int("DASHBOARD_SNAPSHOT_MINUTES", default=10)
# How many views that refresh counts at once on PostgreSQL, each on a connection of its own
# (to the replica when there is one, and one more to the primary that keeps the figures):
# about the cores of the server that counts. The counting is the database's work; the
# worker's process only waits for it.
DASHBOARD_REFRESH_CONNECTIONS = env.int("DASHBOARD_REFRESH_CONNECTIONS", default=2)
# The complaints the 1111 center forwards are read from its CoreService this often.
GCC_1111_POLL_MINUTES = env.int("GCC_1111_POLL_MINUTES", default=5)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "clear-expired-sessions": {
        "task": "portal.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=17),
    },
    "deliver-pending-notifications": {
        "task": "referrals.tasks.deliver_pending_notifications",
        "schedule": 60.0,
    },
    "give-up-stalled-notifications": {
        "task": "referrals.tasks.give_up_stalled_notifications",
        "schedule": 300.0,
    },
    "sweep-deadlines": {"task": "referrals.tasks.sweep_deadlines", "schedule": 60.0},
    "escalate-overdue-approvals": {
        "task": "referrals.tasks.escalate_overdue_approvals",
        "schedule": 60.0,
    },
    "daily-digest": {
        "task": "referrals.tasks.send_daily_digest",
        "schedule": crontab(hour=8, minute=0, day_of_week="mon-fri"),
    },
    "refresh-dashboards": {
        "task": "portal.tasks.refresh_dashboards",
        "schedule": 60.0 * max(DASHBOARD_SNAPSHOT_MINUTES, 1) / 2,
        # A refresh that waited longer than its period is replaced by the next one.
        "options": {"expires": 60.0 * max(DASHBOARD_SNAPSHOT_MINUTES, 1) / 2},
    },
    "forget-idempotency-keys": {
        "task": "api.tasks.forget_idempotency_keys",
        "schedule": crontab(minute=23),
    },
    "forget-line-events": {
        "task": "referrals.tasks.forget_line_events",
        "schedule": crontab(hour=4, minute=11),
    },
    "end-finished-parts": {
        "task": "referrals.tasks.end_finished_parts",
        "schedule": crontab(hour=2, minute=11),
    },
    "poll-1111": {
        "task": "integrations.gcc1111.tasks.poll_1111",
        "schedule": 60.0 * max(GCC_1111_POLL_MINUTES, 1),
        # A poll that waited longer than its period is replaced by the next one.
        "options": {"expires": 60.0 * max(GCC_1111_POLL_MINUTES, 1)},
    },
    "resume-imports": {"task": "integrations.tasks.resume_imports", "schedule": 60.0},
    "send-pending-exchanges": {
        "task": "integrations.tasks.send_pending_exchanges",
        "schedule": 60.0,
    },
    "anonymise-expired-cases": {
        "task": "referrals.tasks.anonymise_expired_cases",
        "schedule": crontab(hour=2, minute=41),
    },
    # Traffy Fondue's issues that no webhook brought, read back from its API.
    "catch-up-traffy": {
        "task": "integrations.traffy.tasks.catch_up_traffy",
        "schedule": 600.0,
        "options": {"expires": 600.0},
    },
    "forget-traffy-deliveries": {
        "task": "integrations.traffy.tasks.forget_traffy_deliveries",
        "schedule": crontab(hour=4, minute=23),
    },
}
# A request that queues a task while the broker is down gives up quickly: the outbox
# row is already saved, and the periodic sender delivers it later.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
# How long /healthz waits for the broker before it reports it down.
HEALTH_CHECK_TIMEOUT = env.float("HEALTH_CHECK_TIMEOUT", default=2.0)

# --- Authentication -------------------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Object permissions answered by agencies.permissions, not by guardian's rows alone.
    "agencies.backends.CasePermissionBackend",
]

PASSWORD_HASHERS = [
    # Argon2id at OWASP's cost (portal/hashers.py); it verifies Django's own argon2 hashes.
    "portal.hashers.OwaspArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
# An account is locked for one address only: from anywhere else its owner still signs in.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Proxies in front of the portal that append to X-Forwarded-For (0: none, use the peer):
# the client address for the sign-in lock-out and the citizens' rate limits, read by the
# one function that both use.
TRUSTED_PROXY_COUNT = env.int("PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "referrals.throttle.client_address"
# Wrong passwords from one address across all accounts (guessing many accounts at once):
# past this many in the window, that address may not try any account until it ends.
LOGIN_FAILURES_PER_ADDRESS = env.str("LOGIN_FAILURES_PER_ADDRESS", default="30/15m")
# A signed-in session ends after this long without a request, and this long after signing in.
STAFF_IDLE_MINUTES = env.int("STAFF_IDLE_MINUTES", default=30)
STAFF_SESSION_HOURS = env.int("STAFF_SESSION_HOURS", default=12)
SESSION_COOKIE_AGE = STAFF_SESSION_HOURS * 3600
# Django's sessions in the database, saved with fewer statements (see portal/sessions.py).
SESSION_ENGINE = "portal.sessions"
# An invitation or password-reset link sent to a member works once, for this many days.
# The portal has no other password-reset link, so Django's own limit is this one.
MEMBER_INVITATION_DAYS = env.int("MEMBER_INVITATION_DAYS", default=7)
PASSWORD_RESET_TIMEOUT = MEMBER_INVITATION_DAYS * 86400
# Two-factor sign-in (an authenticator app's six-digit code, or a one-time recovery code):
# required of anyone working in one of these roles ("superuser": the system administrator);
# optional for everyone else. A comma-separated list of role codes.
TWO_FACTOR_REQUIRED_ROLES = env.list(
    "TWO_FACTOR_REQUIRED_ROLES", default=["supervisor", "cceo", "agency_admin", "superuser"]
)
# Wrong codes for one account (the second step's lock-out): past this many in the window,
# no code is checked for that account until it ends.
TWO_FACTOR_FAILURES = env.str("TWO_FACTOR_FAILURES", default="5/15m")
# The name an authenticator app shows beside the account.
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Referral portal")
# django-otp's own growing wait after a wrong code is left off: the limit above counts the
# account's wrong codes in the shared cache and says how long to wait.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
# The admin lists and removes people's authenticators without showing their secret keys.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# django-guardian: no anonymous user row; object permissions only where granted.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# --- Language and time ----------------------------------------------------------------

LANGUAGE_CODE = "th"
LANGUAGES = [("th", _("Thai")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Bangkok"
USE_I18N = True
USE_TZ = True

# --- Cases -----------------------------------------------------------------------------

# Fernet key for national IDs and HMAC key for look-ups; derived from SECRET_KEY when empty.
FIELD_ENCRYPTION_KEY = env.str("FIELD_ENCRYPTION_KEY", default="")
LOOKUP_HASH_KEY = env.str("LOOKUP_HASH_KEY", default="")
# Days after resolution during which a case may be reopened.
CASE_REOPEN_DAYS = env.int("CASE_REOPEN_DAYS", default=30)
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_MB", default=10) * 1024 * 1024

# --- Outside systems (1111, Traffy Fondue) ------------------------------------------------

# A case forwarded between the portal and an outside system more times than this stops
# being forwarded automatically; the coordinating ministry is told.
EXCHANGE_MAX_HOPS = env.int("EXCHANGE_MAX_HOPS", default=3)
# Seconds to wait for an outside system's answer.
EXCHANGE_TIMEOUT = env.float("EXCHANGE_TIMEOUT", default=20.0)
# The 1111 center's CoreService: read this many complaints a call (every
# GCC_1111_POLL_MINUTES); an agency tells 1111 the outcome within this many calendar days.
GCC_1111_PAGE_SIZE = env.int("GCC_1111_PAGE_SIZE", default=50)
GCC_1111_REPORT_DAYS = env.int("GCC_1111_REPORT_DAYS", default=15)
# The largest file of 1111 complaints an agency may import at once (100,000 rows of CSV
# are about 30 MB).
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_MB", default=40) * 1024 * 1024
# An import whose rows have not moved for this long is continued by the periodic job.
IMPORT_STALLED_SECONDS = env.int("IMPORT_STALLED_SECONDS", default=300)
STAFF_PAGE_SIZE = 25

# --- Static and uploaded files ----------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
if DEBUG:
    # Whitenoise warns about a missing directory before the first collectstatic.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# --- Email ----------------------------------------------------------------------------

EMAIL_CONFIG = env.email_url(
    "EMAIL_URL", default="consolemail://" if DEBUG else "smtp://127.0.0.1:25"
)
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="no-reply@referral.local")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
ADMINS = [("Portal administrators", a) for a in env.list("ADMIN_EMAILS", default=[])]
# The portal's public address, for links in emails.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# --- Text messages (SMS) and LINE -------------------------------------------------------

# How SMS leave (see referrals/sms.py): the console by default, a file, or a Thai SMS
# gateway over HTTPS (referrals.sms.HttpGatewayBackend with the four settings below).
SMS_BACKEND = env.str("SMS_BACKEND", default="referrals.sms.ConsoleBackend")
SMS_FILE_PATH = Path(env.str("SMS_FILE_PATH", default=str(VAR_DIR / "sms.jsonl")))
SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_KEY = env.str("SMS_GATEWAY_KEY", default="")
SMS_GATEWAY_SECRET = env.str("SMS_GATEWAY_SECRET", default="")
SMS_SENDER = env.str("SMS_SENDER", default="")

# The portal's LINE Official Account (see referrals/line/): the channel secret signs the
# webhook calls LINE makes to /line/webhook/, the access token authorises the replies and
# pushes. Without a secret and a token the portal offers no LINE at all.
LINE_CHANNEL_SECRET = env.str("LINE_CHANNEL_SECRET", default="")
LINE_CHANNEL_ACCESS_TOKEN = env.str("LINE_CHANNEL_ACCESS_TOKEN", default="")
LINE_API_URL = env.str("LINE_API_URL", default="https://api.line.me").rstrip("/")
# The account's basic id as people add it ("@referral"), for the QR code that opens a chat.
LINE_OFFICIAL_ACCOUNT_ID = env.str("LINE_OFFICIAL_ACCOUNT_ID", default="")

# --- Citizens' pages: abuse limits and tracking ---------------------------------------

# Rates as a count per period ("10/h", "5/d", "30/15m"; see referrals/throttle.py).
# RATELIMIT_ENABLE=0 lifts them (for a load test); never do so in production.
RATELIMIT_ENABLE = env.bool("RATELIMIT_ENABLE", default=True)
PUBLIC_SUBMIT_RATE_PER_ADDRESS = env.str("PUBLIC_SUBMIT_RATE_PER_ADDRESS", default="10/h")
PUBLIC_SUBMIT_RATE_PER_PHONE = env.str("PUBLIC_SUBMIT_RATE_PER_PHONE", default="5/d")
TRACK_RATE_PER_ADDRESS = env.str("TRACK_RATE_PER_ADDRESS", default="60/h")
# What a citizen does on an opened request (add information, withdraw, rate, download
# their data ...): per client address, generous since a mobile network puts many people
# behind one, and per request, which holds one person to a reasonable pace.
CITIZEN_ACTION_RATE_PER_ADDRESS = env.str("CITIZEN_ACTION_RATE_PER_ADDRESS", default="120/h")
CITIZEN_ACTION_RATE_PER_CASE = env.str("CITIZEN_ACTION_RATE_PER_CASE", default="10/h")
# Files a citizen may add to one request in 24 hours (those sent with it included).
CITIZEN_FILES_PER_CASE_PER_DAY = env.int("CITIZEN_FILES_PER_CASE_PER_DAY", default=15)
# The staff handling a request hear of the citizen's additions once in this long.
INFORMATION_NOTICE_MINUTES = env.int("INFORMATION_NOTICE_MINUTES", default=30)
# Wrong codes from one address: after TRACK_FREE_FAILURES each try waits longer, after
# TRACK_LOCK_FAILURES the address is locked out for TRACK_LOCK_MINUTES.
TRACK_FREE_FAILURES = env.int("TRACK_FREE_FAILURES", default=3)
TRACK_LOCK_FAILURES = env.int("TRACK_LOCK_FAILURES", default=10)
TRACK_LOCK_MINUTES = env.int("TRACK_LOCK_MINUTES", default=30)
# How long a browser stays signed in to a tracked request without activity.
TRACK_SESSION_MINUTES = env.int("TRACK_SESSION_MINUTES", default=30)
# "Forgot the secret?": a one-time code of 6 digits, good for SECRET_CODE_MINUTES and
# SECRET_CODE_TRIES wrong tries, sent to the phone or email of the request. Asking for a
# code is limited per request, per phone number or address given, and per client address;
# entering codes per client address.
SECRET_CODE_MINUTES = env.int("SECRET_CODE_MINUTES", default=10)
SECRET_CODE_TRIES = env.int("SECRET_CODE_TRIES", default=5)
SECRET_CODE_RATE_PER_CASE = env.str("SECRET_CODE_RATE_PER_CASE", default="3/h")
SECRET_CODE_RATE_PER_CONTACT = env.str("SECRET_CODE_RATE_PER_CONTACT", default="5/d")
SECRET_CODE_RATE_PER_ADDRESS = env.str("SECRET_CODE_RATE_PER_ADDRESS", default="20/h")
SECRET_CODE_CHECK_RATE_PER_ADDRESS = env.str("SECRET_CODE_CHECK_RATE_PER_ADDRESS", default="30/h")
# Version of the privacy notice; change it when the notice's text changes.
PRIVACY_NOTICE_VERSION = "2026-11"
# --- Deadlines (SLA) in Thai business time -------------------------------------------

# Working hours and days (Monday = 0); public holidays come from the `holidays` package and
# extra days off from the admin.
SLA_DAY_OPENS = env.str("SLA_DAY_OPENS", default="08:30")
SLA_DAY_CLOSES = env.str("SLA_DAY_CLOSES", default="16:30")
SLA_WORKING_WEEKDAYS = env.list("SLA_WORKING_WEEKDAYS", cast=int, default=[0, 1, 2, 3, 4])
# Waiting for the citizen: a reminder to them after so many working days, and after so many
# the lead agency is asked to resolve or close the case (it is never closed silently).
CITIZEN_REMINDER_WORKING_DAYS = env.int("CITIZEN_REMINDER_WORKING_DAYS", default=5)
CITIZEN_SILENCE_WORKING_DAYS = env.int("CITIZEN_SILENCE_WORKING_DAYS", default=15)
# A resolved case closes by itself after so many working days unless the citizen confirms
# it or asks to reopen it.
CASE_CONFIRMATION_WORKING_DAYS = env.int("CASE_CONFIRMATION_WORKING_DAYS", default=7)
# An erasure request is decided within 30 calendar days (PDPA section 30); those who
# decide are reminded after these days.
ERASURE_DECISION_DAYS = env.int("ERASURE_DECISION_DAYS", default=30)
ERASURE_REMINDER_DAYS = env.list("ERASURE_REMINDER_DAYS", cast=int, default=[20, 27])

# How long the personal data of a finished case is kept (shown in the privacy notice).
RETENTION_YEARS = env.int("RETENTION_YEARS", default=10)

# --- Security -------------------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # A load balancer probes /healthz over plain HTTP inside the private network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# --- REST framework -------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.AgencyKeyAuthentication",
        "api.authentication.StaffSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.access.IsCaller"],
    "DEFAULT_THROTTLE_CLASSES": ["api.access.CallerThrottle"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "api.errors.handle",
    "DEFAULT_SCHEMA_CLASS": "api.schema.PortalAutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# Requests a key (or a member of staff) may make; counted first, like the citizens' limits.
API_RATE_PER_CALLER = env.str("API_RATE_PER_CALLER", default="1200/m")
# How long a create's Idempotency-Key is remembered (with the secret it answered).
API_IDEMPOTENCY_HOURS = env.int("API_IDEMPOTENCY_HOURS", default=24)
SPECTACULAR_SETTINGS = {
    # In the reader's language, as the rest of the description (Thai unless English).
    "TITLE": _("Multi-agency case referral portal API"),
    "DESCRIPTION": _(
        "Cases, referrals, timelines and files of the eight-agency MOU, for agencies' "
        "systems (API key: `Authorization: Api-Key <key>`) and their staff (session). "
        "Every error answers `{code, message, fields}` in the language of Accept-Language."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The description is public, like the standard's: it holds no data, only the shapes.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CaseStatus": "referrals.models.CaseStatus",
        "ReferralStatus": "referrals.models.ReferralStatus",
    },
}

# --- Logging --------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}
