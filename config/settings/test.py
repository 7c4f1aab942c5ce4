"""The test suite: `make test`. PostgreSQL and Redis when DATABASE_URL / CELERY_BROKER_URL are set."""

import os

from config.settings.dev import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production-use-0123456789-abcdefghij"
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests call tasks eagerly unless a test starts a real worker itself.
CELERY_TASK_ALWAYS_EAGER = True
LOGGING = {"version": 1, "disable_existing_loggers": False}
# Serve static files from the apps' folders (no collectstatic before tests).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# One Redis database serves a whole run: each pytest process (xdist worker) keeps its cache keys
# (login rate limits) apart, and tests/conftest.py empties them before every test.
CACHES = {"default": {**CACHES["default"], "KEY_PREFIX": f"test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"}}  # noqa: F405
