"""Production settings: everything comes from the environment.

`dev.py` and `test.py` only override. With no environment at all (bar a secret key) the
project runs on SQLite with Celery tasks executed eagerly; `DATABASE_URL` and
`CELERY_BROKER_URL` switch it to PostgreSQL and Redis. README.md lists every variable.
"""

import json
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
# Production (this very module) refuses to start without a key; dev.py and test.py set their own.
if not SECRET_KEY and os.environ.get("DJANGO_SETTINGS_MODULE") == "config.settings.base":
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set (see README.md, Configuration).")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = "Pôle Économie Solidaire"

INSTALLED_APPS = [
    "hub.apps.HubAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",  # ExclusionConstraint, btree_gist (no-ops on SQLite)
    # Third parties
    "allauth",
    "allauth.account",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_htmx",
    # Ours, lowest layer first (see ARCHITECTURE.md)
    "accounts",
    "hub",
    "accounting",
    "services",
    "marketplace",
    "bookings",
    "subscriptions",
    "insertion",
    "sap",
    "impact",
    "prescribers",
]

MIDDLEWARE = [
    "config.logging.RequestLogMiddleware",  # first: times and logs every response, redirects included
    "django.middleware.security.SecurityMiddleware",
    "hub.csp.ContentSecurityPolicyMiddleware",  # every HTML page: no inline script, Stripe's hosts only
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "hub.middleware.RefuseNulBytesMiddleware",  # before any view: PostgreSQL refuses NUL in text
    "hub.middleware.DatabaseUnavailableMiddleware",  # the database lost mid-request: a clean 503
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
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
                "django.template.context_processors.i18n",
                "hub.context_processors.hub",
                "accounts.context_processors.menu",
            ],
        },
    },
]

# Database: SQLite next to the code unless DATABASE_URL says otherwise.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_REDIRECT_URL = "accounts:account"
LOGIN_URL = "account_login"

# django-allauth 65: e-mail only, verified before the first login.
# accounts.adapter.AccountAdapter, its e-mails sent through the outbox (hub sits above accounts).
ACCOUNT_ADAPTER = "hub.account_adapter.OutboxAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Pôle Économie Solidaire] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if not DEBUG else "http"
# Login limits, counted in the shared cache (CACHES below) per client address (TRUSTED_PROXY_COUNT)
# and per account: 30 login forms a minute from one address; 10 failed passwords a minute from one
# address, and 5 in 5 minutes for one account (that account is then locked for the rest of the
# 5 minutes, whatever the address). The back-office login (/admin/login/) is this same form.
ACCOUNT_RATE_LIMITS = {"login": "30/m/ip", "login_failed": "10/m/ip,5/5m/key"}

# Languages: French first, English available; our msgids are French (docs/adr/0002).
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("Anglais"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Private documents (invoices, credit notes): outside MEDIA_ROOT and STATIC_ROOT (a system check
# refuses an overlap), served only by their permission-checked views (ADR 0013, private documents).
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", BASE_DIR / "private"))
# Behind nginx: the `internal` location aliased to PRIVATE_MEDIA_ROOT (e.g. /protected/), which then
# sends the bytes (X-Accel-Redirect); empty: Django streams the file itself.
PRIVATE_MEDIA_ACCEL_REDIRECT = os.environ.get("PRIVATE_MEDIA_ACCEL_REDIRECT", "")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {"BACKEND": "hub.storage.PrivateFileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Several web machines without a shared disk: media and private documents on S3-compatible storage
# (django-storages), one bucket, two prefixes. Media are public (MEDIA_URL: the bucket's public
# address); private documents are never given a URL: their permission-checked views stream them
# (PRIVATE_MEDIA_ACCEL_REDIRECT does not apply).
S3_BUCKET = os.environ.get("S3_BUCKET", "")
if S3_BUCKET:
    _s3 = {
        "bucket_name": S3_BUCKET,
        "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
        "region_name": os.environ.get("S3_REGION") or None,
        "access_key": os.environ.get("S3_ACCESS_KEY_ID", ""),
        "secret_key": os.environ.get("S3_SECRET_ACCESS_KEY", ""),
        "file_overwrite": False,
    }
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {**_s3, "location": "media", "querystring_auth": False},
    }
    STORAGES["private"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {**_s3, "location": "private", "default_acl": "private", "querystring_auth": True},
    }
    MEDIA_URL = os.environ.get("S3_MEDIA_URL", MEDIA_URL)

# E-mail: SMTP in production.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Pôle Économie Solidaire <no-reply@pole.test>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security: secure by default, relaxed only by dev.py and test.py.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
# How long a sign-in lasts when « Se souvenir de moi » is ticked (else until the browser closes).
SESSION_COOKIE_AGE_HOURS = int(os.environ.get("SESSION_COOKIE_AGE_HOURS", str(14 * 24)))
if not 1 <= SESSION_COOKIE_AGE_HOURS <= 366 * 24:
    raise ImproperlyConfigured("SESSION_COOKIE_AGE_HOURS must be between 1 and 8784 (see README.md, Configuration).")
SESSION_COOKIE_AGE = SESSION_COOKIE_AGE_HOURS * 3600
SESSION_COOKIE_HTTPONLY = True  # no script reads the session cookie
SESSION_COOKIE_SAMESITE = "Lax"  # sent on top-level navigation only (Stripe's return links included)
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Celery: eager (in-process) when no broker is configured.
_broker = os.environ.get("CELERY_BROKER_URL", "")
CELERY_BROKER_URL = _broker or "memory://"
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", _broker) or None
CELERY_TASK_ALWAYS_EAGER = not _broker
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A web request never waits long on a broker that is down: a short connect timeout, one quick retry of
# a publish, then the after-commit queueing logs the failure and the beat sweeps send what waits.
CELERY_BROKER_CONNECTION_TIMEOUT = float(os.environ.get("CELERY_BROKER_CONNECTION_TIMEOUT", "2"))
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": CELERY_BROKER_CONNECTION_TIMEOUT,
    "socket_timeout": float(os.environ.get("CELERY_BROKER_SOCKET_TIMEOUT", "5")),
    "retry_on_timeout": False,
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
    # A task taken by a worker that died (acks_late) is delivered again after this many seconds.
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")),
}
# After a failed publish, a process publishes nothing for this many seconds (hub.notify): the next
# tasks of the request fail at once instead of each waiting for its own timeout.
CELERY_BROKER_PAUSE_SECONDS = float(os.environ.get("CELERY_BROKER_PAUSE_SECONDS", "15"))
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_SERIALIZER = "json"
# The worker and beat log through LOGGING below (JSON on stdout), not Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]

# The cache holds the login rate limits (allauth) and the API's failed-token counters, so it must
# be shared by every web process: Redis whenever REDIS_URL is set or the broker is Redis. Without
# either (`make run` on a bare machine) it is per process (local memory), which is fine for one
# runserver and nothing else.
REDIS_URL = os.environ.get("REDIS_URL", "") or (_broker if _broker.startswith(("redis://", "rediss://")) else "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "pole"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Client addresses: behind N reverse proxies we control, the client is the N-th address from the
# right of X-Forwarded-For (each proxy appends the address it saw); 0 = no proxy, REMOTE_ADDR.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
if not 0 <= TRUSTED_PROXY_COUNT <= 10:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be between 0 and 10 (see README.md, Configuration).")
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT  # the adapter reads ours (accounts/client_ip.py)

# API tokens (« Mon compte » → « Jetons d'API »): each expires this many days after its creation.
API_TOKEN_TTL_DAYS = int(os.environ.get("API_TOKEN_TTL_DAYS", "30"))
if not 1 <= API_TOKEN_TTL_DAYS <= 366:
    raise ImproperlyConfigured("API_TOKEN_TTL_DAYS must be between 1 and 366 (see README.md, Configuration).")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so that a bad token answers 401 with a WWW-Authenticate header.
        "accounts.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "hub.api.schema.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "hub.api.pagination.PagePagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "hub.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "API du Pôle Économie Solidaire",
    "DESCRIPTION": "Catalogue, commandes, réservations, travail d'insertion et comptabilité.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Two choice sets share the field name « status » (the immediate advance's clients and requests).
    "ENUM_NAME_OVERRIDES": {
        "AdvanceClientStatusEnum": "sap.enums.EnrolmentStatus",
        "PaymentRequestStatusEnum": "sap.enums.RequestStatus",
    },
}

# Logs go to stdout, one JSON object per line in production (config/logging.py), one line per
# request from RequestLogMiddleware; LOG_FORMAT=plain gives readable lines (the dev default).
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
if LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured("LOG_FORMAT must be json or plain.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "config.logging.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # WeasyPrint narrates every rendering step at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # RequestLogMiddleware already writes the request line; Django's own would double 4xx/5xx.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
    },
}

# Stripe (Connect): the Collectif is the platform. STRIPE_API_BASE points the library at a
# local fake server (localstripe) in the demo and the tests; empty means Stripe itself.
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")
STRIPE_JS_URL = os.environ.get("STRIPE_JS_URL", "https://js.stripe.com/v3/")
# The URSSAF « API Tiers de prestation » (avance immédiate, sap/urssaf.py): https://api.urssaf.fr in
# production, https://api-edi.urssaf.fr to test; the local stand-in (devtools/urssaf_server.py) in the
# demo and the tests. Empty: not configured, the immediate advance is off.
URSSAF_API_BASE = os.environ.get("URSSAF_API_BASE", "")
# Each structure's access to the API, as JSON: {"<slug>": {"client_id": …, "client_secret": …, "billing_id": …}};
# else the structure's UrssafAccount row (its secret encrypted with FIELD_ENCRYPTION_KEY).
URSSAF_CREDENTIALS = json.loads(os.environ.get("URSSAF_CREDENTIALS", "") or "{}")
# The key that encrypts secrets kept in the database (URSSAF secrets, clients' IBANs); SECRET_KEY if unset.
FIELD_ENCRYPTION_KEY = os.environ.get("FIELD_ENCRYPTION_KEY", "")
# Unpaid card orders release their stock and bookings after this many minutes.
CARD_PAYMENT_HOLD_MINUTES = int(os.environ.get("CARD_PAYMENT_HOLD_MINUTES", "15"))

# Bookings: a held place waits as long as its card payment; free cancellation until 48 h before.
BOOKING_HOLD_MINUTES = int(os.environ.get("BOOKING_HOLD_MINUTES", str(CARD_PAYMENT_HOLD_MINUTES)))
BOOKING_FREE_CANCELLATION_HOURS = int(os.environ.get("BOOKING_FREE_CANCELLATION_HOURS", "48"))
BOOKING_RECURRING_WEEKS_AHEAD = int(os.environ.get("BOOKING_RECURRING_WEEKS_AHEAD", "4"))
# Basket subscriptions: a distribution on a French public holiday → "next_working_day",
# "previous_working_day" or "skip".
SUBSCRIPTION_HOLIDAY_POLICY = os.environ.get("SUBSCRIPTION_HOLIDAY_POLICY", "next_working_day")
# How long a freed basket place is kept for the person on the waiting list it was offered to.
SUBSCRIPTION_PLACE_HOLD_HOURS = int(os.environ.get("SUBSCRIPTION_PLACE_HOLD_HOURS", "48"))

# Periodic jobs (run by one `celery beat`; django-celery-beat keeps them in the database).
from celery.schedules import crontab  # noqa: E402

# The demo's two years of history (impact/demo.py); the browser tests' re-seeds leave it out.
DEMO_HISTORY = True

CELERY_BEAT_SCHEDULE = {
    "expire-unpaid-card-orders": {"task": "marketplace.expire_unpaid_card_orders", "schedule": crontab(minute="*/5")},
    "sweep-outbox": {"task": "hub.sweep_outbox", "schedule": crontab(minute="*")},
    # Domain events lost while the broker was down (their receivers' tasks never queued): redone.
    "bookings-sweep-order-events": {"task": "bookings.sweep_order_events", "schedule": crontab(minute="*/2")},
    "subscriptions-sweep-order-events": {
        "task": "subscriptions.sweep_order_events",
        "schedule": crontab(minute="*/2"),
    },
    "sweep-rendered-documents": {"task": "hub.sweep_rendered_documents", "schedule": crontab(hour=4, minute=10)},
    "sweep-stripe-events": {"task": "marketplace.sweep_stripe_events", "schedule": crontab(minute="*")},
    "sweep-stripe-transfers": {"task": "marketplace.sweep_stripe_transfers", "schedule": crontab(minute="*")},
    "sweep-pending-refunds": {"task": "marketplace.sweep_pending_refunds", "schedule": crontab(minute="*")},
    "bookings-release-expired-holds": {"task": "bookings.release_expired_holds", "schedule": crontab(minute="*/5")},
    "bookings-reminders": {"task": "bookings.send_reminders", "schedule": crontab(minute=0)},
    "bookings-recurring": {"task": "bookings.generate_recurring_bookings", "schedule": crontab(hour=2, minute=30)},
    "bookings-monthly-laundry-invoices": {
        "task": "bookings.issue_monthly_laundry_invoices",
        "schedule": crontab(day_of_month=1, hour=6, minute=30),
    },
    "marketplace-bill-third-party-shares": {
        "task": "marketplace.bill_third_party_shares",
        "schedule": crontab(day_of_month=1, hour=6, minute=50),
    },
    "bookings-monthly-home-service-invoices": {
        "task": "bookings.issue_monthly_home_service_invoices",
        "schedule": crontab(day_of_month=1, hour=6, minute=40),
    },
    "subscriptions-expire-place-offers": {
        "task": "subscriptions.expire_place_offers",
        "schedule": crontab(minute=15),
    },
    "subscriptions-deliveries": {"task": "subscriptions.generate_deliveries", "schedule": crontab(hour=2, minute=45)},
    "subscriptions-charge-due-deliveries": {
        "task": "subscriptions.charge_due_deliveries",
        "schedule": crontab(hour=6, minute=0),
    },
    "insertion-sync-jobs": {"task": "insertion.sync_jobs", "schedule": crontab(minute="*/10")},
    "insertion-alerts": {"task": "insertion.send_alerts", "schedule": crontab(hour=7, minute=0)},
    "accounting-reconcile-books": {"task": "accounting.reconcile_books", "schedule": crontab(hour=3, minute=30)},
    # Reminders of overdue invoices (marketplace dunning): the next level of each, once.
    "marketplace-send-reminders": {"task": "marketplace.send_reminders", "schedule": crontab(hour=8, minute=15)},
    # Each client's tax certificate of the past year (services à la personne), early in January.
    "sap-tax-certificates": {
        "task": "sap.issue_tax_certificates",
        "schedule": crontab(day_of_month=5, month_of_year=1, hour=7, minute=0),
    },
    # The URSSAF's immediate advance: registrations, payment requests to send, their statuses.
    "sap-follow-advance": {"task": "sap.follow_advance", "schedule": crontab(minute="*/15")},
    "shared-services-invoices": {
        "task": "marketplace.issue_shared_services_invoices",
        "schedule": crontab(minute=30, hour=6, day_of_month=1),
    },
}

# Invoice PDFs render in a Celery task, stopped after this many seconds (then killed 10 s later); they
# are queued as soon as an invoice is issued when a broker is set (eagerly, the first view renders).
INVOICE_PDF_TIME_LIMIT = int(os.environ.get("INVOICE_PDF_TIME_LIMIT", "30"))
INVOICE_PDF_RENDER_ON_ISSUE = env_bool("INVOICE_PDF_RENDER_ON_ISSUE", bool(_broker))
# Pick lists and quotes are PDFs of live data, rendered by a task too (hub.rendering) and kept this long.
RENDERED_PDF_KEEP_DAYS = int(os.environ.get("RENDERED_PDF_KEEP_DAYS", "2"))
# Folders kept longer: a copy of every SAP quote is kept at least a year (arrêté du 17 mars 2015).
RENDERED_PDF_KEEP_DAYS_BY_FOLDER = {"quotes": 366}

# The e-mail outbox (hub.outbox): attempts before an e-mail is marked failed, and the backoff between
# them (base × 2^(attempts − 1) seconds, capped).
OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "8"))
OUTBOX_RETRY_BASE_SECONDS = int(os.environ.get("OUTBOX_RETRY_BASE_SECONDS", "60"))
OUTBOX_RETRY_MAX_SECONDS = int(os.environ.get("OUTBOX_RETRY_MAX_SECONDS", "21600"))

# Insertion: the planner's time limit (s), the hours of one FTE a year, alerts ahead (days).
INSERTION_PLANNER_SECONDS = int(os.environ.get("INSERTION_PLANNER_SECONDS", "10"))
# Blocks solved side by side on a large week (insertion/planner/, ADR 0030): the cores the planner may use.
INSERTION_PLANNER_WORKERS = int(os.environ.get("INSERTION_PLANNER_WORKERS", "2"))
INSERTION_FTE_ANNUAL_HOURS = int(os.environ.get("INSERTION_FTE_ANNUAL_HOURS", "1607"))
INSERTION_ALERT_DAYS = int(os.environ.get("INSERTION_ALERT_DAYS", "30"))

# Accounting: the clearing account of the Stripe balance in every structure's chart (DOMAIN.md rule 11).
ACCOUNTING_STRIPE_CLEARING_ACCOUNT = os.environ.get("ACCOUNTING_STRIPE_CLEARING_ACCOUNT", "512800")
# ... and of the SEPA Direct Debits collected through Stripe (their own, DOMAIN.md rule 6).
ACCOUNTING_STRIPE_SEPA_CLEARING_ACCOUNT = os.environ.get("ACCOUNTING_STRIPE_SEPA_CLEARING_ACCOUNT", "512810")
