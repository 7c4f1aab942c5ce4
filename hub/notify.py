"""Side effects after commit, enqueued by task name: actions never import their app's tasks (the tasks
import the actions), so an app's imports run one way — interface → tasks → actions → domain.

`suppressed()` is the one switch that silences every e-mail (the demo's history was notified long ago).
"""

import threading
from contextlib import contextmanager

from celery import current_app
from django.db import transaction

_state = threading.local()


@contextmanager
def suppressed():
    """No e-mail is queued for what happens inside."""
    previous = getattr(_state, "suppressed", False)
    _state.suppressed = True
    try:
        yield
    finally:
        _state.suppressed = previous


def is_suppressed() -> bool:
    return getattr(_state, "suppressed", False)


def _task(task_name: str):
    if task_name not in current_app.tasks:
        # A worker imports every app's tasks module at start; a web process on first need.
        current_app.autodiscover_tasks(force=True)
    return current_app.tasks[task_name]


def enqueue(task_name: str, *args, **kwargs) -> None:
    """Queue the task registered under `task_name` now (eagerly run when Celery is eager)."""
    _task(task_name).apply_async(args=args, kwargs=kwargs)


def enqueue_on_commit(task_name: str, *args, **kwargs) -> None:
    """Queue the task once the transaction commits (never inside it).

    `robust`: a broker that is down never turns a committed request into an error; the failure is
    logged, and what must not be lost (stored Stripe events) is swept by beat until processed.
    """
    transaction.on_commit(lambda: enqueue(task_name, *args, **kwargs), robust=True)


def email_on_commit(task_name: str, *args, **kwargs) -> None:
    """Queue an e-mail task once the transaction commits, unless e-mails are suppressed."""
    if is_suppressed():
        return
    enqueue_on_commit(task_name, *args, **kwargs)
