"""The Celery application: broker from the environment, tasks run eagerly when none is set."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("pole")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
