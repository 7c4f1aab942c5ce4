"""Side effects after commit, enqueued by task name: actions never import their app's tasks (the tasks
import the actions), so an app's imports run one way — interface → tasks → actions → domain.

`suppressed()` is the one switch that silences every e-mail (the demo's history was notified long ago).

Every e-mail goes through the transactional outbox (`hub.outbox`): `email_on_commit` and
`message_on_commit` write an `OutboundEmail` row in the caller's transaction and queue its sending
once it commits; a broker that is down is logged, and the beat sweep sends the row later.
"""

import datetime
import logging
import threading
import time
from contextlib import contextmanager

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from hub.models import OutboundEmail

SEND_OUTBOUND_EMAIL = "hub.send_outbound_email"
# The kind of an e-mail whose message was rendered when it was queued (no composer needed).
RENDERED = "hub.rendered"
RELATED_MAX_LENGTH = OutboundEmail._meta.get_field("related").max_length
SUBJECT_MAX_LENGTH = OutboundEmail._meta.get_field("subject").max_length

logger = logging.getLogger(__name__)
_state = threading.local()


class BrokerPaused(OperationalError):
    """The broker failed a moment ago: nothing is published until the pause is over."""


# Process-wide: after a publish fails (broker down or silent), the next ones fail at once for
# CELERY_BROKER_PAUSE_SECONDS instead of each waiting for its own connect timeout — a checkout queues
# several tasks on commit, and the request must wait for one timeout at most.
_broker = {"paused_until": 0.0}


def resume_broker() -> None:
    """Forget a broker failure (the tests, once they give the broker back)."""
    _broker["paused_until"] = 0.0


def _first_sweep_at() -> datetime.datetime:
    """When the sweep takes an e-mail whose task, queued on commit, never ran (the broker was down)."""
    return timezone.now() + datetime.timedelta(seconds=settings.OUTBOX_RETRY_BASE_SECONDS)


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
    """Queue the task registered under `task_name` now (eagerly run when Celery is eager).

    Raises kombu's OperationalError when the broker cannot be reached (`BrokerPaused` at once for a
    while after a failure); callers after commit are robust, and what must not be lost is swept."""
    task = _task(task_name)
    if task.app.conf.task_always_eager:
        task.apply_async(args=args, kwargs=kwargs)
        return
    if time.monotonic() < _broker["paused_until"]:
        raise BrokerPaused(f"Broker paused after a failure: {task_name} not queued")
    try:
        task.apply_async(args=args, kwargs=kwargs)
    except OperationalError:
        _broker["paused_until"] = time.monotonic() + settings.CELERY_BROKER_PAUSE_SECONDS
        raise


def enqueue_on_commit(task_name: str, *args, **kwargs) -> None:
    """Queue the task once the transaction commits (never inside it).

    `robust`: a broker that is down never turns a committed request into an error; the failure is
    logged, and what must not be lost (stored Stripe events) is swept by beat until processed.
    """
    transaction.on_commit(lambda: enqueue(task_name, *args, **kwargs), robust=True)


def email_on_commit(kind: str, *args, related: str = "") -> int | None:
    """Write an e-mail to the outbox, to be composed by the composer registered for `kind` with these
    arguments (JSON values), and queue its sending once the transaction commits; nothing while e-mails
    are suppressed. `related` says what it is about (« commande CMD-… ») on the staff list.
    Returns the outbox row's id."""
    if is_suppressed():
        return None
    email = OutboundEmail.objects.create(
        kind=kind, payload={"args": list(args)}, related=related[:RELATED_MAX_LENGTH], next_attempt_at=_first_sweep_at()
    )
    enqueue_on_commit(SEND_OUTBOUND_EMAIL, email.pk)
    return email.pk


def message_on_commit(
    *,
    subject: str,
    body: str,
    recipients: list[str],
    html_body: str = "",
    related: str = "",
    forget_body_once_sent: bool = False,
) -> int | None:
    """Write an already rendered e-mail to the outbox and queue its sending once the transaction commits
    (nothing while e-mails are suppressed, nor without a recipient). Returns the outbox row's id.

    `forget_body_once_sent`: the text carries a one-time link (password reset): blanked once sent."""
    recipients = sorted({recipient for recipient in recipients if recipient})
    if is_suppressed() or not recipients:
        return None
    email = OutboundEmail.objects.create(
        kind=RENDERED,
        payload={"forget_body": True} if forget_body_once_sent else {},
        recipients=recipients,
        subject=subject[:SUBJECT_MAX_LENGTH],
        body=body,
        html_body=html_body,
        related=related[:RELATED_MAX_LENGTH],
        next_attempt_at=_first_sweep_at(),
    )
    enqueue_on_commit(SEND_OUTBOUND_EMAIL, email.pk)
    return email.pk
