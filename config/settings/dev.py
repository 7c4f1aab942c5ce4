"""Local development: `make run`. SQLite and eager Celery unless the environment says otherwise."""

import os

from config.settings.base import *  # noqa: F403
from config.settings.base import STORAGES, env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-only-secret-key-not-for-production-use-0123456789")
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LANGUAGE_COOKIE_SECURE = False
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
# Readable lines in a terminal; eager tasks would narrate every e-mail of the demo seed.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain")
LOGGING = {
    **LOGGING,  # noqa: F405
    "handlers": {"console": {**LOGGING["handlers"]["console"], "formatter": LOG_FORMAT}},  # noqa: F405
    "loggers": {**LOGGING["loggers"], "celery.app.trace": {"level": "WARNING"}},  # noqa: F405
}
