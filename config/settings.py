"""Lyceum settings: one module, configured entirely from the environment.

The defaults are the *embedded* runtime (SQLite in ``var/``, local-memory cache,
in-process background work, console e-mail). Production differs only by
environment variables; see ``.env.example`` for the full list.
"""

from __future__ import annotations

import json
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_str
from config.storage import media_config

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("LYCEUM_VAR_DIR", str(BASE_DIR / "var")))

# --- Core -------------------------------------------------------------------------

DEBUG = env_bool("DEBUG", True)

_DEV_SECRET_KEY = "django-insecure-lyceum-development-key-never-use-in-production-0000"
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = _DEV_SECRET_KEY

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
LYCEUM_SITE_URL = env_str("LYCEUM_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
LYCEUM_SITE_NAME = env_str("LYCEUM_SITE_NAME", "Lyceum")
# A trivial /bench/hello view (lyceum/core/views_bench.py) for `make bench-web`: the framework ceiling.
LYCEUM_BENCH_HELLO = env_bool("LYCEUM_BENCH_HELLO", False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.github",
    "allauth.socialaccount.providers.google",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.weixin",
    "csp",
    "ninja",
    "lyceum.core",
    "lyceum.accounts",
    "lyceum.courses",
    "lyceum.learning",
    "lyceum.commerce",
    "lyceum.notifications",
    "lyceum.community",
    "lyceum.feedback",
    "lyceum.engagement",
    "lyceum.moderation",
    "lyceum.analytics",
    "lyceum.recommendations",
    "lyceum.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "lyceum.accounts.middleware.AuthenticationMiddleware",  # Django's, the user's row cached
    "allauth.account.middleware.AccountMiddleware",
    "lyceum.analytics.middleware.VisitMiddleware",
    "lyceum.accounts.middleware.UserPreferencesMiddleware",
    "lyceum.accounts.middleware.StaffMFARequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "lyceum.core.context_processors.site",
                "lyceum.accounts.context_processors.roles",
                "lyceum.notifications.context_processors.unread",
            ],
        },
    },
]

# --- Data ---------------------------------------------------------------------------

DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("LYCEUM_DB_CONN_MAX_AGE", 0))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers proceed while one writer writes; IMMEDIATE avoids
        # "database is locked" upgrades from read to write inside a transaction.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
# A read replica (streaming replication of default) for analytics' bulk reads: reads go there
# only inside ``lyceum.core.dbrouter.replica_reads()`` and never inside a transaction; writes
# and migrations always go to default. Tests read the test database through it (MIRROR).
REPLICA_DATABASE_URL = env_str("LYCEUM_REPLICA_DATABASE_URL")
if REPLICA_DATABASE_URL:
    DATABASES["replica"] = dj_database_url.parse(
        REPLICA_DATABASE_URL, conn_max_age=DATABASES["default"].get("CONN_MAX_AGE", 0)
    )
    if DATABASES["replica"]["ENGINE"] == DATABASES["default"]["ENGINE"]:
        DATABASES["replica"]["OPTIONS"] = dict(DATABASES["default"].get("OPTIONS", {}))
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["lyceum.core.dbrouter.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's RedisCache that answers "miss" instead of raising while Redis is down
            # (rate limits fail open; sessions fall back to the database): lyceum/core/cache.py
            "BACKEND": "lyceum.core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("LYCEUM_CACHE_PREFIX", "lyceum"),
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "lyceum"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Rendered catalog and course pages for anonymous visitors (lyceum/core/cache_pages.py): how
# long a copy lives at most. Event handlers invalidate it on publish, price and review changes;
# this bound covers what changes with time alone (a sale ending, an event passing). 0 = off.
LYCEUM_PAGE_CACHE_SECONDS = env_int("LYCEUM_PAGE_CACHE_SECONDS", 300)

# --- Background work ------------------------------------------------------------------

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
# A task whose worker dies before it acknowledged is delivered again (handlers are idempotent);
# one message at a time per worker process, so a killed worker strands at most one.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis broker: an unacknowledged message goes back to the queue after ``visibility_timeout``
# seconds (a worker killed mid-task); longer than the longest job, or a slow job runs twice.
# LYCEUM_CELERY_BROKER_OPTIONS (JSON) adds or overrides kombu's transport options.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 4 * 3600,
    **json.loads(env_str("LYCEUM_CELERY_BROKER_OPTIONS", "{}") or "{}"),
}
# Periodic jobs on Celery beat hold a cache lock this long at most (a killed run frees it then).
LYCEUM_JOB_LOCK_SECONDS = env_int("LYCEUM_JOB_LOCK_SECONDS", 3 * 3600)

# Periodic jobs: (management command, every N seconds). ``manage.py run_jobs`` runs them in
# the embedded runtime (``make run`` starts it); production schedules the same commands
# with Celery beat (``make beat``: config/celery.py builds the schedule from this list) or cron.
# Each command is idempotent.
# Interest profiles (recommendations/profile.py): how fast a signal fades, in days.
LYCEUM_INTEREST_HALF_LIFE_DAYS = env_int("LYCEUM_INTEREST_HALF_LIFE_DAYS", 45)
LYCEUM_INTEREST_SURVEY_HALF_LIFE_DAYS = env_int("LYCEUM_INTEREST_SURVEY_HALF_LIFE_DAYS", 180)

LYCEUM_JOBS = [
    ("redispatch_events", 60),  # events whose handlers the broker refused (core.PendingDispatch)
    ("send_event_reminders", 300),
    ("expire_orders", 300),
    ("expire_memberships", 3600),
    ("send_notification_digest", 3600),  # sends at most one digest per member per day
    ("rollup_analytics", 300),
    ("train_churn", 86400),  # retrains on yesterday's history and rescores today's active learners
    ("build_profiles", 86400),  # interest profiles (recommendations/profile.py), before the recommender trains
    ("train_recommender", 86400),  # refits the course recommender and stores every learner's top 20
    ("replan_paths", 86400),  # re-plans learning paths that fell behind, completes finished ones
    ("train_spam", 86400),  # refits the spam/ad classifier on the seed set plus moderators' decisions
    ("award_badges", 3600),  # engagement: the previous month's top contributor badge, once per month
]
# Points per action and daily caps (engagement/rules.py), JSON overrides: {"upvote_received": [2, 20]}
LYCEUM_POINTS = json.loads(env_str("LYCEUM_POINTS", "{}") or "{}")

# --- Accounts -------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "learning:dashboard"

ACCOUNT_ADAPTER = "lyceum.accounts.adapter.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "lyceum.accounts.adapter.SocialAccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_FORMS = {"signup": "lyceum.accounts.forms.SignupForm"}
ACCOUNT_EMAIL_VERIFICATION = env_str("LYCEUM_EMAIL_VERIFICATION", "mandatory")
if ACCOUNT_EMAIL_VERIFICATION not in {"mandatory", "optional", "none"}:
    raise ImproperlyConfigured("LYCEUM_EMAIL_VERIFICATION must be mandatory, optional or none")
LYCEUM_SIGNUP_OPEN = env_bool("LYCEUM_SIGNUP_OPEN", True)
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{LYCEUM_SITE_NAME}] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# Repeated failed sign-ins: 10/min per IP, and 5 per 5 minutes per account.
ACCOUNT_RATE_LIMITS = {
    "login_failed": env_str("LYCEUM_RATE_LOGIN_FAILED", "10/m/ip,5/300s/key"),
    "signup": env_str("LYCEUM_RATE_SIGNUP", "20/m/ip"),
    "reset_password": "20/m/ip,5/m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = LYCEUM_SITE_NAME
# Roles whose members must turn on two-factor sign-in before using the site.
LYCEUM_MFA_REQUIRED_ROLES = env_list("LYCEUM_MFA_REQUIRED_ROLES", ["instructor", "moderator", "operator"])

SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_LOGIN_ON_GET = False
# Social / SSO providers switch on from the environment, without code changes:
# LYCEUM_SOCIALACCOUNT_PROVIDERS holds JSON in allauth's SOCIALACCOUNT_PROVIDERS
# shape, e.g. {"github": {"APPS": [{"client_id": "...", "secret": "..."}]}}.
try:
    SOCIALACCOUNT_PROVIDERS = json.loads(env_str("LYCEUM_SOCIALACCOUNT_PROVIDERS", "{}"))
except json.JSONDecodeError as exc:
    raise ImproperlyConfigured(f"LYCEUM_SOCIALACCOUNT_PROVIDERS is not valid JSON: {exc}") from exc
if not isinstance(SOCIALACCOUNT_PROVIDERS, dict):
    raise ImproperlyConfigured("LYCEUM_SOCIALACCOUNT_PROVIDERS must be a JSON object.")

# --- E-mail ------------------------------------------------------------------------

_EMAIL_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
}
_email_backend = env_str("LYCEUM_EMAIL_BACKEND", "console")
if _email_backend not in _EMAIL_BACKENDS:
    raise ImproperlyConfigured(f"LYCEUM_EMAIL_BACKEND must be one of {sorted(_EMAIL_BACKENDS)}")
EMAIL_BACKEND = _EMAIL_BACKENDS[_email_backend]
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Lyceum <noreply@lyceum.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Internationalisation ---------------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
# The platform's timezone: KPI days are counted in it. Users pick their own for pages.
TIME_ZONE = env_str("LYCEUM_TIME_ZONE", "Asia/Shanghai")
USE_TZ = True

# --- Static and media ---------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
if DEBUG:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # keeps WhiteNoise quiet before collectstatic
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
# Uploads on the local disk (MEDIA_ROOT), or in an S3-compatible bucket when LYCEUM_S3_BUCKET is
# set: config/storage.py reads LYCEUM_S3_* and the media delivery variables below and refuses
# a half-configured bucket.
_MEDIA = media_config(
    staticfiles_backend=(
        "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )
)
STORAGES = _MEDIA.storages
LYCEUM_S3_BUCKET = _MEDIA.s3_bucket
LYCEUM_MAX_AVATAR_BYTES = env_int("LYCEUM_MAX_AVATAR_BYTES", 2 * 1024 * 1024)
# Course uploads (courses/media.py): lesson video and audio, downloadable files, cover images.
LYCEUM_MAX_VIDEO_BYTES = env_int("LYCEUM_MAX_VIDEO_BYTES", 2 * 1024 * 1024 * 1024)
LYCEUM_MAX_FILE_BYTES = env_int("LYCEUM_MAX_FILE_BYTES", 200 * 1024 * 1024)
LYCEUM_MAX_IMAGE_BYTES = env_int("LYCEUM_MAX_IMAGE_BYTES", 5 * 1024 * 1024)
# Lesson media links are bound to the viewer's session and expire after this many seconds.
LYCEUM_MEDIA_URL_TTL = env_int("LYCEUM_MEDIA_URL_TTL", 4 * 3600)
# Who sends a protected file once the view has let the viewer in (core.http.protected_file_response):
# "app" streams it, "x-accel" hands it to nginx (deploy/nginx, internal /_media/), "signed" redirects
# to a short-lived signed object-store URL (the default when media live on S3).
LYCEUM_MEDIA_DELIVERY = _MEDIA.delivery
LYCEUM_MEDIA_ACCEL_PREFIX = _MEDIA.accel_prefix
# Lifetime of a signed URL for a protected file (video and audio get LYCEUM_MEDIA_URL_TTL, so
# that seeking late in a long video still works), and of the one behind a public avatar or cover.
LYCEUM_MEDIA_SIGNED_SECONDS = _MEDIA.signed_seconds
LYCEUM_MEDIA_PUBLIC_SECONDS = _MEDIA.public_seconds
# The bucket's origin, allowed in the Content-Security-Policy's img-src and media-src below.
LYCEUM_MEDIA_ORIGINS = _MEDIA.origins
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Security ------------------------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("LYCEUM_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = env_bool("LYCEUM_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("LYCEUM_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("LYCEUM_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("LYCEUM_HSTS_PRELOAD", not DEBUG)
LYCEUM_BEHIND_PROXY = env_bool("LYCEUM_BEHIND_PROXY", False)
if LYCEUM_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
# The visitor's address for rate limits: REMOTE_ADDR, or behind our proxy the X-Real-IP header that
# deploy/nginx overwrites (a client cannot forge it). allauth's login/signup limits and the API's
# anonymous throttle (the last X-Forwarded-For hop, appended by nginx) read the same address;
# without the proxy, a forged X-Forwarded-For is ignored everywhere.
LYCEUM_CLIENT_IP_HEADER = "HTTP_X_REAL_IP" if LYCEUM_BEHIND_PROXY else ""
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = "X-Real-IP" if LYCEUM_BEHIND_PROXY else None
NINJA_NUM_PROXIES = 1 if LYCEUM_BEHIND_PROXY else 0

# Everything the pages load comes from this origin (media also from the bucket, when on S3): no CDN,
# no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *LYCEUM_MEDIA_ORIGINS],
        "font-src": [SELF],
        "connect-src": [SELF],
        "media-src": [SELF, *LYCEUM_MEDIA_ORIGINS],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# --- Payments -----------------------------------------------------------------------------

LYCEUM_CURRENCY = env_str("LYCEUM_CURRENCY", "CNY")
# name -> provider class; "sandbox" works offline and is the default.
LYCEUM_PAYMENT_PROVIDERS = {
    "sandbox": "lyceum.commerce.providers.sandbox.SandboxProvider",
    "stripe": "lyceum.commerce.providers.stripe.StripeProvider",
}
LYCEUM_PAYMENT_PROVIDER = env_str("LYCEUM_PAYMENT_PROVIDER", "sandbox")
if LYCEUM_PAYMENT_PROVIDER not in LYCEUM_PAYMENT_PROVIDERS:
    raise ImproperlyConfigured(f"LYCEUM_PAYMENT_PROVIDER must be one of {sorted(LYCEUM_PAYMENT_PROVIDERS)}")
# Signs the sandbox's callbacks (HMAC-SHA256). Defaults to a key derived from SECRET_KEY.
LYCEUM_SANDBOX_WEBHOOK_SECRET = env_str("LYCEUM_SANDBOX_WEBHOOK_SECRET")
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET")
STRIPE_API_BASE = env_str("STRIPE_API_BASE")  # tests point the library at a local stand-in
LYCEUM_ORDER_TTL_MINUTES = env_int("LYCEUM_ORDER_TTL_MINUTES", 30)
LYCEUM_DEFAULT_REVENUE_SHARE_BP = env_int("LYCEUM_DEFAULT_REVENUE_SHARE_BP", 7000)

# --- API ------------------------------------------------------------------------------------

NINJA_PAGINATION_PER_PAGE = 20
LYCEUM_API_RATE_ANON = env_str("LYCEUM_API_RATE_ANON", "60/min")
LYCEUM_API_RATE_USER = env_str("LYCEUM_API_RATE_USER", "600/min")
LYCEUM_API_RATE_TOKEN_ISSUE = env_str("LYCEUM_API_RATE_TOKEN_ISSUE", "10/min")

# Community posting limits per member (pages and API alike).
LYCEUM_COMMUNITY_THREAD_RATE = env_str("LYCEUM_COMMUNITY_THREAD_RATE", "5/min")
LYCEUM_COMMUNITY_REPLY_RATE = env_str("LYCEUM_COMMUNITY_REPLY_RATE", "20/min")
LYCEUM_FEEDBACK_REVIEW_RATE = env_str("LYCEUM_FEEDBACK_REVIEW_RATE", "10/h")
LYCEUM_FEEDBACK_HELPFUL_RATE = env_str("LYCEUM_FEEDBACK_HELPFUL_RATE", "60/min")
# Moderation: report weight (trusted members count 2) that hides a target pending review; limits.
LYCEUM_REPORTS_TO_HIDE = env_int("LYCEUM_REPORTS_TO_HIDE", 3)
LYCEUM_REPORT_RATE = env_str("LYCEUM_REPORT_RATE", "20/h")
LYCEUM_TAKEDOWN_RATE = env_str("LYCEUM_TAKEDOWN_RATE", "5/h")


def _env_score(name: str, default: float) -> float:
    raw = env_str(name, str(default)).strip() or str(default)
    try:
        value = float(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a number between 0 and 1, got {raw!r}") from exc
    if not 0.0 <= value <= 1.0:
        raise ImproperlyConfigured(f"{name} must be between 0 and 1, got {raw!r}")
    return value


# The spam/ad filter (moderation/detection): a post scoring at least the hold score is kept out
# of sight until a moderator approves it; at least the queue score, shown and queued for a look.
LYCEUM_SPAM_HOLD_SCORE = _env_score("LYCEUM_SPAM_HOLD_SCORE", 0.8)
LYCEUM_SPAM_QUEUE_SCORE = _env_score("LYCEUM_SPAM_QUEUE_SCORE", 0.5)
if LYCEUM_SPAM_QUEUE_SCORE > LYCEUM_SPAM_HOLD_SCORE:
    raise ImproperlyConfigured("LYCEUM_SPAM_QUEUE_SCORE must not be above LYCEUM_SPAM_HOLD_SCORE")
# Accounts younger than this many days (or at trust level 0) are flagged for external links.
LYCEUM_NEW_ACCOUNT_DAYS = env_int("LYCEUM_NEW_ACCOUNT_DAYS", 3)
# A burst: more than LYCEUM_SPAM_BURST_POSTS posts by one member within LYCEUM_SPAM_BURST_MINUTES.
LYCEUM_SPAM_BURST_POSTS = env_int("LYCEUM_SPAM_BURST_POSTS", 6)
LYCEUM_SPAM_BURST_MINUTES = env_int("LYCEUM_SPAM_BURST_MINUTES", 10)

# --- Logging ----------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LYCEUM_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

LYCEUM_ROLE_LABELS = {
    "learner": _("Learner"),
    "instructor": _("Instructor"),
    "moderator": _("Moderator"),
    "operator": _("Operator"),
}
