"""The test suite: `make test`. PostgreSQL and Redis when DATABASE_URL / CELERY_BROKER_URL are set."""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

from config.settings.dev import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production-use-0123456789-abcdefghij"
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# A test that starts a real worker gives it a file backend (its e-mails are counted on disk) and a
# send that takes a while (hub.outbox sleeps before the SMTP call), to kill it in the middle.
EMAIL_BACKEND = os.environ.get("TEST_EMAIL_BACKEND", EMAIL_BACKEND)
EMAIL_FILE_PATH = os.environ.get("TEST_EMAIL_FILE_PATH", "")
OUTBOX_TEST_SEND_DELAY_SECONDS = float(os.environ.get("OUTBOX_TEST_SEND_DELAY_SECONDS", "0"))
# Tests call tasks eagerly unless a test starts a real worker itself.
CELERY_TASK_ALWAYS_EAGER = True
LOGGING = {"version": 1, "disable_existing_loggers": False}
# Serve static files from the apps' folders (no collectstatic before tests).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# Private documents of the suite go to a throwaway folder, never into the working tree (a worker
# started by a test is given the test's folder).
if os.environ.get("PRIVATE_MEDIA_ROOT"):
    PRIVATE_MEDIA_ROOT = Path(os.environ["PRIVATE_MEDIA_ROOT"])
else:
    PRIVATE_MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="pole-private-"))
    atexit.register(shutil.rmtree, PRIVATE_MEDIA_ROOT, ignore_errors=True)
# Uploaded media of the suite (the demo's drawn offering photos) go to a throwaway folder too.
if os.environ.get("MEDIA_ROOT"):
    MEDIA_ROOT = Path(os.environ["MEDIA_ROOT"])
else:
    MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="pole-media-"))
    atexit.register(shutil.rmtree, MEDIA_ROOT, ignore_errors=True)
# Issued invoices are not rendered on commit (eager, that is in-process); the tests that want it say so.
INVOICE_PDF_RENDER_ON_ISSUE = False
# One Redis database serves a whole run: each pytest process (xdist worker) keeps its cache keys
# (login rate limits) apart, and tests/conftest.py empties them before every test.
CACHES = {"default": {**CACHES["default"], "KEY_PREFIX": f"test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"}}  # noqa: F405
