"""Django settings for Kith: one module, driven by environment variables.

Every variable is listed, with its default, in README.md ("Configuration").
Development defaults are safe and need no services: SQLite, the database
search backend, console email, card payments disabled without Stripe keys.
``KITH_ENV=production`` turns on the production checks and hardening.
"""

from decimal import Decimal, InvalidOperation
from pathlib import Path

from csp.constants import NONCE, NONE, SELF

from kith.config import (
    ConfigurationError,
    database_from_env,
    env_bool,
    env_int,
    env_list,
    env_str,
    stripe_test_mode,
)

BASE_DIR = Path(__file__).resolve().parent.parent

KITH_ENV = env_str("KITH_ENV", "development").strip().lower()
if KITH_ENV not in {"development", "production"}:
    raise ConfigurationError(f"KITH_ENV must be development or production, not {KITH_ENV!r}.")
PRODUCTION = KITH_ENV == "production"

DEBUG = env_bool("DEBUG", not PRODUCTION)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ConfigurationError(
            "SECRET_KEY is not set. In production set SECRET_KEY to a long random "
            "string (e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    SECRET_KEY = "django-insecure-kith-development-only-never-use-in-production"

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ConfigurationError(
        "ALLOWED_HOSTS is not set. List the site's host names, comma-separated."
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

SITE_ID = 1

INSTALLED_APPS = [
    # Kith's own apps, first so their templates win.
    "accounts",
    "cms",
    "directory",
    "matching",
    "marketplace",
    "evidence",
    # Project-wide commands and tasks (run_scheduled, kith.tasks).
    "kith",
    # Background tasks (django-tasks, the backport of Django's Tasks framework)
    "django_tasks",
    "django_tasks.backends.database",
    # Wagtail
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    # Accounts
    "allauth",
    "allauth.account",
    "allauth.mfa",
    # API
    "rest_framework",
    "drf_spectacular",
    "csp",
    # Django
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sites",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "kith.security.PermissionsPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.StaffMFAMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "kith.busy.DatabaseBusyMiddleware",
]

ROOT_URLCONF = "kith.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cms.context_processors.site_navigation",
                "accounts.context_processors.notifications",
            ],
        },
    },
]

WSGI_APPLICATION = "kith.wsgi.application"

DATABASES = {"default": database_from_env(str(BASE_DIR / "db.sqlite3"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
# Kith's own wording for django-allauth's pages and messages ("two-step sign-in code").
LOCALE_PATHS = [BASE_DIR / "kith" / "locale"]
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Uploads (photos, documents) are checked by type and capped in size.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 5 * 1024 * 1024
WAGTAILIMAGES_EXTENSIONS = ["jpg", "jpeg", "png", "webp"]

# --- Shared cache: sign-in lockouts, rate limits, used two-step codes -------
# Every worker process must see the same counts, so the cache is shared: the
# database by default (its table is made by accounts' migrations), Redis when
# REDIS_URL is set (pip install "kith[redis]").
REDIS_URL = env_str("REDIS_URL").strip()
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    # Django's database cache with a one-statement set on PostgreSQL (kith/cache.py).
    # It holds the sign-in and contact-form limits (the API's are in kith_rate_limit,
    # kith/throttling.py) and sign-in lockouts: Django's default of 300 entries would
    # cull live ones (a third of the table at a time) as soon as 300 addresses were
    # active, so the limit is far above what a busy day makes; expired rows go first,
    # and the hourly forget_expired_rate_limits task deletes them (kith/cache.py).
    CACHES = {
        "default": {
            "BACKEND": "kith.cache.DatabaseCache",
            "LOCATION": "kith_cache",
            "OPTIONS": {"MAX_ENTRIES": 200_000},
        }
    }

# --- The client's address ---------------------------------------------------
# How many proxies of Kith's own (load balancer, nginx) sit in front of it and
# append to X-Forwarded-For. 0 trusts no proxy header: rate limits and sign-in
# lockouts then count the connection's address (kith.clientip).
KITH_TRUSTED_PROXIES = env_int("KITH_TRUSTED_PROXIES", 0)
if KITH_TRUSTED_PROXIES < 0:
    raise ConfigurationError("KITH_TRUSTED_PROXIES must be 0 or more.")
ALLAUTH_TRUSTED_PROXY_COUNT = KITH_TRUSTED_PROXIES

# --- Email -----------------------------------------------------------------
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Kith <hello@kith.localhost>")
# Where the contact form (/contact/) sends what people write.
KITH_CONTACT_EMAIL = env_str("KITH_CONTACT_EMAIL", "hello@kith.localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# --- Accounts (django-allauth) ----------------------------------------------
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Kith: "
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
LOGIN_REDIRECT_URL = "accounts:my_account"
LOGIN_URL = "account_login"
# Login attempts are rate limited per IP and per account (allauth's limiter).
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "5/5m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Kith"
# Who must use MFA before the Wagtail admin opens: staff and moderators.
KITH_MODERATORS_GROUP = "Moderators"

# --- Wagtail ----------------------------------------------------------------
WAGTAIL_SITE_NAME = "Kith"
# Where Kith is served: the start of every link in emails, and the Sites framework's
# domain (set by accounts.apps on each migrate), so emails never say "example.com".
KITH_BASE_URL = env_str("KITH_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
WAGTAILADMIN_BASE_URL = KITH_BASE_URL
WAGTAILADMIN_LOGIN_URL = "account_login"
WAGTAIL_FRONTEND_LOGIN_URL = "account_login"
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "odt", "txt", "csv"]
WAGTAIL_USER_EDIT_FORM = None

# --- Directory search -------------------------------------------------------
# With ELASTICSEARCH_URL set, directory search uses Elasticsearch and falls
# back to the database backend (logged) if it cannot be reached.
ELASTICSEARCH_URL = env_str("ELASTICSEARCH_URL").strip()
ELASTICSEARCH_INDEX_PREFIX = env_str("ELASTICSEARCH_INDEX_PREFIX", "kith")
ELASTICSEARCH_TIMEOUT = float(env_str("ELASTICSEARCH_TIMEOUT", "5"))
# Index layout: one shard and no replica suit a single node; a cluster of three
# with one replica keeps answering when a node is lost (scripts/services/README.md).
ELASTICSEARCH_NUMBER_OF_SHARDS = env_int("ELASTICSEARCH_NUMBER_OF_SHARDS", 1)
ELASTICSEARCH_NUMBER_OF_REPLICAS = env_int("ELASTICSEARCH_NUMBER_OF_REPLICAS", 0)
# From this many listings in the index, a nearest-first search takes its page
# from a smaller circle when it can (directory/search/elastic.py).
ELASTICSEARCH_INNER_CIRCLE_FROM = env_int("ELASTICSEARCH_INNER_CIRCLE_FROM", 50_000)
# While a rebuild fills a new index: how often it is refreshed ("-1": not at
# all until the end) and how long one bulk request may take before it is retried.
ELASTICSEARCH_BULK_REFRESH_INTERVAL = env_str("ELASTICSEARCH_BULK_REFRESH_INTERVAL", "-1").strip()
ELASTICSEARCH_BULK_TIMEOUT = float(env_str("ELASTICSEARCH_BULK_TIMEOUT", "60"))

# --- Background tasks -------------------------------------------------------
# Work that need not hold up a page (search-log writes, Elasticsearch updates,
# emails, reminders, pool deadlines) is queued as a task. The database backend
# keeps the queue in Kith's own database (SQLite or PostgreSQL): `manage.py
# db_worker` runs what is queued, `manage.py run_scheduled` queues the periodic
# work listed in kith/schedule.py. KITH_TASKS_BACKEND=immediate runs every task
# at once in the request instead (no worker needed; the tests use it).
_TASK_BACKENDS = {
    "database": "django_tasks.backends.database.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
_tasks_backend = env_str("KITH_TASKS_BACKEND", "database").strip().lower()
if _tasks_backend not in _TASK_BACKENDS:
    raise ConfigurationError(
        f"KITH_TASKS_BACKEND must be one of {', '.join(_TASK_BACKENDS)}, not {_tasks_backend!r}."
    )
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[_tasks_backend]}}
# Search-log lines are queued in batches: one task for up to this many lines, or
# for what a process gathered in KITH_SEARCH_LOG_WAIT seconds (a process that
# stops cleanly queues what it holds; one that is killed loses those seconds).
KITH_SEARCH_LOG_BATCH = env_int("KITH_SEARCH_LOG_BATCH", 50)
KITH_SEARCH_LOG_WAIT = env_int("KITH_SEARCH_LOG_WAIT", 2)

# --- Payments ---------------------------------------------------------------
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY")
STRIPE_PUBLISHABLE_KEY = env_str("STRIPE_PUBLISHABLE_KEY")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET")
STRIPE_API_BASE = env_str("STRIPE_API_BASE")
# Kith's share of each card payment, kept back from the transfer to the provider
# (a percentage such as 2.5); 0 unless set.
try:
    KITH_PLATFORM_FEE_PERCENT = Decimal(env_str("KITH_PLATFORM_FEE_PERCENT", "0") or "0")
except InvalidOperation:
    raise ConfigurationError("KITH_PLATFORM_FEE_PERCENT must be a number such as 2.5.") from None
if not Decimal(0) <= KITH_PLATFORM_FEE_PERCENT < Decimal(100):
    raise ConfigurationError("KITH_PLATFORM_FEE_PERCENT must be from 0 up to (not including) 100.")

# --- API --------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # kith.parsers refuses JSON nested too deep with a 400.
    "DEFAULT_PARSER_CLASSES": [
        "kith.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_THROTTLE_RATES": {"anon": "120/minute", "user": "600/minute"},
    # kith.throttling keys on kith.clientip; this keeps DRF's own classes in step.
    "NUM_PROXIES": KITH_TRUSTED_PROXIES,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Kith API",
    "DESCRIPTION": (
        "Find local care and support by outcome and distance, and match support-plan goals."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Only Kith's public API is documented, not Wagtail's internal admin API.
    "PREPROCESSING_HOOKS": ["kith.api_schema.public_endpoints_only"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "kith.api_schema.empty_query_values_allowed",
    ],
}

# --- Security ---------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    # KITH_HTTPS=false is for a production-like run on http://localhost only.
    HTTPS = env_bool("KITH_HTTPS", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = HTTPS
    SESSION_COOKIE_SECURE = HTTPS
    CSRF_COOKIE_SECURE = HTTPS
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
    SECURE_HSTS_PRELOAD = HTTPS
    if not HTTPS:
        # Plain HTTP (docker-compose.yml on http://localhost) cannot have HSTS, an HTTPS
        # redirect or secure-only cookies, so Django's four warnings about them are expected
        # there. kith.W002 (directory/checks.py) warns instead when such a site answers to a
        # host name other than localhost, where they would matter.
        SILENCED_SYSTEM_CHECKS = [
            "security.W004",
            "security.W008",
            "security.W012",
            "security.W016",
        ]

# --- Logging ----------------------------------------------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "kith": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "directory": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "evidence": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "django_tasks": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}

# Tests that need PostgreSQL or Elasticsearch fail instead of skipping.
KITH_REQUIRE_SERVICES = env_bool("KITH_REQUIRE_SERVICES", False)
KITH_MFA_SETUP_URL = "/accounts/2fa/totp/activate/"
# Staff and moderators enter their two-step code again after this many seconds
# of using the admin from one session (accounts.middleware.StaffMFAMiddleware).
KITH_STAFF_MFA_MAX_AGE = env_int("KITH_STAFF_MFA_MAX_AGE", 12 * 60 * 60)

# --- Personal data -------------------------------------------------------------
# Named on the privacy notice (/privacy/) as responsible for people's data, and the
# address people write to about it (defaults to DEFAULT_FROM_EMAIL's address).
KITH_OPERATOR_NAME = env_str("KITH_OPERATOR_NAME", "")
KITH_PRIVACY_EMAIL = env_str("KITH_PRIVACY_EMAIL", "")


# --- Maps (an enhancement: every list works without JavaScript) -------------
# Leaflet's files come from the django-leaflet package. Its Django app is not
# installed because its admin integration needs GDAL; only its static files
# (static/leaflet/leaflet.js, leaflet.css) are served.
def _leaflet_static_dir() -> str:
    import leaflet

    return str(Path(leaflet.__file__).resolve().parent / "static")


STATICFILES_DIRS = [_leaflet_static_dir()]
MAP_TILE_URL = env_str("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_ATTRIBUTION = "&copy; OpenStreetMap contributors"


# --- Content-Security-Policy (django-csp) -----------------------------------
# Scripts and styles come from Kith's own static files; Stripe.js and map
# tiles are the only outside sources. Inline scripts need the page's nonce
# (``nonce="{{ request.csp_nonce }}"``); inline style attributes are not
# allowed, so styles live in the CSS files. The Wagtail and Django admins are
# left out: they rely on inline scripts and styles of their own, and only staff
# who have entered their two-step code reach them.
# KITH_CSP_REPORT_ONLY=true sends the same policy as report-only, for trying a
# change on a live site before enforcing it.
def _origin(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url.replace("{s}", "*"))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


# A fake Stripe's address (its Stripe.js and API) is allowed only in test mode.
_STRIPE_ORIGINS = (
    [_origin(STRIPE_API_BASE)]
    if STRIPE_API_BASE and stripe_test_mode(STRIPE_SECRET_KEY, STRIPE_API_BASE)
    else []
)
_CSP_DIRECTIVES = {
    "default-src": [SELF],
    "script-src": [SELF, NONCE, "https://js.stripe.com", *_STRIPE_ORIGINS],
    "style-src": [SELF],
    "img-src": [SELF, "data:", _origin(MAP_TILE_URL)],
    "font-src": [SELF],
    "connect-src": [SELF, "https://api.stripe.com", *_STRIPE_ORIGINS],
    "frame-src": ["https://js.stripe.com", "https://hooks.stripe.com", *_STRIPE_ORIGINS],
    "object-src": [NONE],
    "base-uri": [SELF],
    "frame-ancestors": [NONE],
}
_CSP = {"EXCLUDE_URL_PREFIXES": ["/admin/", "/django-admin/"], "DIRECTIVES": _CSP_DIRECTIVES}
KITH_CSP_REPORT_ONLY = env_bool("KITH_CSP_REPORT_ONLY", False)
CONTENT_SECURITY_POLICY = None if KITH_CSP_REPORT_ONLY else _CSP
CONTENT_SECURITY_POLICY_REPORT_ONLY = _CSP if KITH_CSP_REPORT_ONLY else None

# Browser features Kith never uses are switched off (kith.security). The map
# centres on a postcode, never on the device's location.
PERMISSIONS_POLICY = {
    "camera": [],
    "microphone": [],
    "geolocation": [],
    "payment": ["self", "https://js.stripe.com"],
    "usb": [],
}
