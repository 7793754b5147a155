"""Django settings, read from environment variables with safe defaults for the demo.

Production deployments set NEEDLEPOINT_SECRET_KEY, NEEDLEPOINT_DEBUG=0, NEEDLEPOINT_ALLOWED_HOSTS
and DATABASE_URL (postgres://...). Without DATABASE_URL an SQLite file under ./var is used.
"""

from __future__ import annotations

import os
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("NEEDLEPOINT_DATA_DIR", Path.cwd() / "var")).resolve()

env = environ.Env()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("NEEDLEPOINT_DEBUG", default=False)
_DEMO = env.bool("NEEDLEPOINT_DEMO", default=False)
# A random key per process would log everyone out on restart, so the demo uses a fixed,
# clearly-marked key; anything that is not a demo must set its own.
SECRET_KEY = env.str("NEEDLEPOINT_SECRET_KEY", default="")
# Settings must stay importable for tools (mypy, migrations); the serving entry points
# (wsgi.py, `needlepoint serve`) refuse to run on this demo key unless it is a demo or DEBUG.
SECRET_KEY_IS_DEMO = not SECRET_KEY
SERVING_ALLOWED_WITH_DEMO_KEY = DEBUG or _DEMO
if SECRET_KEY_IS_DEMO:
    SECRET_KEY = "insecure-demo-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env.list("NEEDLEPOINT_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("NEEDLEPOINT_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "auditlog",
    "django_htmx",
    "needlepoint.clinic.accounts",
    "needlepoint.clinic.clinics",
    "needlepoint.clinic.clients",
    "needlepoint.clinic.audit",
    "needlepoint.clinic.booking",
    "needlepoint.clinic.intake",
    "needlepoint.clinic.plans",
    "needlepoint.clinic.pricing",
    "needlepoint.clinic.consent",
    "needlepoint.clinic.outcomes",
    "needlepoint.clinic.messaging",
    "needlepoint.clinic.treatments",
    "needlepoint.clinic.reviews",
    "needlepoint.clinic.payments",
    "needlepoint.clinic.webhooks",
    "needlepoint.clinic.idempotency",
    "needlepoint.portal",
    "needlepoint.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "needlepoint.web.headers.SecurityHeadersMiddleware",
    "needlepoint.api.middleware.JsonErrorsMiddleware",
    "needlepoint.web.query.RefuseNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "needlepoint.clinic.accounts.middleware.IdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    # Each request starts in UTC; a page about an appointment shows its location's zone (web.timefmt).
    "needlepoint.web.timefmt.ZoneMiddleware",
    "needlepoint.clinic.accounts.middleware.ActiveClinicMiddleware",
    "needlepoint.clinic.accounts.middleware.EnforceTwoFactorMiddleware",
    # Axes last: it must see the final response of a failed login.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "needlepoint.urls"
WSGI_APPLICATION = "needlepoint.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "needlepoint.web.context.shell",
            ],
        },
    }
]

# --- database -------------------------------------------------------------------------------
DATABASE_URL = env.str("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'needlepoint.sqlite3'}")
_db = environ.Env.db_url_config(DATABASE_URL)
if _db["ENGINE"] == "django.db.backends.postgresql":
    _db.setdefault("OPTIONS", {})
    _db["CONN_MAX_AGE"] = env.int("NEEDLEPOINT_CONN_MAX_AGE", default=60)
    _db["CONN_HEALTH_CHECKS"] = True
elif _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["OPTIONS"] = {
        # WAL lets readers proceed while one writer writes; IMMEDIATE takes the write lock at
        # BEGIN so two writers serialise instead of failing mid-transaction ("database is locked").
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            " PRAGMA busy_timeout=10000;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # Tests use a file too (not shared-cache memory) so threads see real SQLite locking.
    _db["TEST"] = {"NAME": str(DATA_DIR / f"test-needlepoint-{os.getpid()}.sqlite3")}
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

AXES_FAILURE_LIMIT = env.int("NEEDLEPOINT_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("NEEDLEPOINT_LOGIN_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The login form posts the email in a field called "username" (Django's AuthenticationForm).
AXES_USERNAME_FORM_FIELD = "username"
# Lockouts are keyed on the address as sign-in compares it (lower-case, trimmed), so
# "Owner@…" and "owner@…" share one failure count.
AXES_USERNAME_CALLABLE = "needlepoint.clinic.accounts.lockout.username_of"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

OTP_TOTP_ISSUER = "Needlepoint"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("NEEDLEPOINT_SESSION_SECONDS", default=8 * 3600)
# Staff are signed out after this long without a request (IdleTimeoutMiddleware).
NEEDLEPOINT_IDLE_TIMEOUT_MINUTES = max(1, env.int("NEEDLEPOINT_IDLE_TIMEOUT_MINUTES", default=30))
SECURE = env.bool("NEEDLEPOINT_SECURE", default=False)
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
if SECURE:
    # `__Host-` cookies: the browser takes them only over HTTPS, for Path=/ and with no Domain,
    # so a sibling subdomain or a plain-HTTP response cannot plant or overwrite them.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SESSION_COOKIE_PATH = CSRF_COOKIE_PATH = "/"
    SESSION_COOKIE_DOMAIN = CSRF_COOKIE_DOMAIN = None
SECURE_SSL_REDIRECT = SECURE
SECURE_HSTS_SECONDS = 31536000 if SECURE else 0
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if env.bool("NEEDLEPOINT_BEHIND_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- i18n / time ----------------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"  # stored and computed in UTC; shown in each location's own zone
USE_I18N = True
USE_TZ = True

# --- static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(DATA_DIR / "media")},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# The app serves its own static files (no CDN, no separate web server needed for a clinic).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- email ----------------------------------------------------------------------------------
# Console by default (the demo prints magic links); a deployment sets an SMTP or provider backend.
EMAIL_BACKEND = env.str("NEEDLEPOINT_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("NEEDLEPOINT_FROM_EMAIL", default="Needlepoint <no-reply@needlepoint.invalid>")
EMAIL_HOST = env.str("NEEDLEPOINT_EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("NEEDLEPOINT_EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("NEEDLEPOINT_EMAIL_USER", default="")
EMAIL_HOST_PASSWORD = env.str("NEEDLEPOINT_EMAIL_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("NEEDLEPOINT_EMAIL_TLS", default=False)
EMAIL_TIMEOUT = env.int("NEEDLEPOINT_EMAIL_TIMEOUT", default=30)
# Providers through django-anymail: NEEDLEPOINT_EMAIL_BACKEND=anymail.backends.<provider>.EmailBackend
# and the provider's settings as JSON, e.g. NEEDLEPOINT_ANYMAIL='{"POSTMARK_SERVER_TOKEN": "…"}'.
ANYMAIL = env.json("NEEDLEPOINT_ANYMAIL", default={})
# Absolute links in messages (the check-in form): the address clients reach the app at.
NEEDLEPOINT_BASE_URL = env.str("NEEDLEPOINT_BASE_URL", default="http://127.0.0.1:8000")
# Replies by email: client emails carry Reply-To: reply+<token>@<this domain> (none when unset);
# the mail provider's inbound-parse webhook posts replies to /messages/inbound/email/ with this secret.
NEEDLEPOINT_REPLY_DOMAIN = env.str("NEEDLEPOINT_REPLY_DOMAIN", default="")
NEEDLEPOINT_INBOUND_EMAIL_SECRET = env.str("NEEDLEPOINT_INBOUND_EMAIL_SECRET", default="")

# --- SMS ------------------------------------------------------------------------------------
NEEDLEPOINT_SMS_BACKEND = env.str(
    "NEEDLEPOINT_SMS_BACKEND", default="needlepoint.clinic.messaging.backends.sms.ConsoleSmsBackend"
)
NEEDLEPOINT_TWILIO_ACCOUNT_SID = env.str("NEEDLEPOINT_TWILIO_ACCOUNT_SID", default="")
# Also the key of the X-Twilio-Signature that /messages/inbound/sms/ requires (unset: refused).
NEEDLEPOINT_TWILIO_AUTH_TOKEN = env.str("NEEDLEPOINT_TWILIO_AUTH_TOKEN", default="")
NEEDLEPOINT_TWILIO_FROM = env.str("NEEDLEPOINT_TWILIO_FROM", default="")
NEEDLEPOINT_TWILIO_BASE_URL = env.str("NEEDLEPOINT_TWILIO_BASE_URL", default="https://api.twilio.com")

# --- Stripe ---------------------------------------------------------------------------------
# Each clinic's keys are in the database (Settings → Payments → Stripe). These only say where
# Stripe is (tests point the SDK at localstripe), how long to wait and how often the SDK retries
# a dropped request (with the same idempotency key, so never a second charge).
NEEDLEPOINT_STRIPE_API_BASE = env.str("NEEDLEPOINT_STRIPE_API_BASE", default="")
NEEDLEPOINT_STRIPE_TIMEOUT = env.float("NEEDLEPOINT_STRIPE_TIMEOUT", default=30.0)
NEEDLEPOINT_STRIPE_RETRIES = env.int("NEEDLEPOINT_STRIPE_RETRIES", default=1)

# --- audit ----------------------------------------------------------------------------------
AUDITLOG_INCLUDE_ALL_MODELS = False
AUDITLOG_DISABLE_REMOTE_ADDR = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("NEEDLEPOINT_LOG_LEVEL", default="WARNING")},
}
