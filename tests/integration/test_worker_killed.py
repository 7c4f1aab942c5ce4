"""A real Celery worker is killed (SIGKILL) in the middle of sending an e-mail of the outbox; a new
worker runs the task again and the e-mail leaves exactly once.

Why it holds: the task is acknowledged only once it has run (`task_acks_late`), so the message the
killed worker held goes back to the queue after the Redis `visibility_timeout` (short here,
CELERY_VISIBILITY_TIMEOUT); the killed worker's database transaction died with its connection, so
the outbox row is still pending with no attempt counted; the new worker locks the row, sends, marks
it sent — and a third delivery would find it sent and do nothing.

The worker sends through Django's file e-mail backend into a temporary folder, so the e-mails it
sent are counted on disk; OUTBOX_TEST_SEND_DELAY_SECONDS makes the first worker's send slow (a sleep
before the SMTP call, in hub.outbox itself: the task is not mocked).
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, transaction

from config.celery import app
from hub.enums import EmailState
from hub.models import OutboundEmail
from hub.tasks import send_outbound_email
from marketplace.models import OrderNotification
from tests.broker import broker_down
from tests.marketplace.factories import OrderFactory

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def _start_worker(queue: str, mail_dir: Path, *, pool: str = "solo", **env: str) -> subprocess.Popen:
    db = connection.settings_dict
    database_url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            f"--pool={pool}",
            "--concurrency=1",
            "-Q",
            queue,
            "--loglevel=WARNING",
        ],  # fmt: skip
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": database_url,  # the test database, where this test's rows are committed
            "TEST_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "TEST_EMAIL_FILE_PATH": str(mail_dir),
            "CELERY_VISIBILITY_TIMEOUT": "3",
            **env,
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _is_locked(email_id: int) -> bool:
    """Is a worker holding the outbox row (in the middle of sending it)?"""
    try:
        with transaction.atomic():
            OutboundEmail.objects.select_for_update(nowait=True).get(pk=email_id)
    except DatabaseError:
        return True
    return False


def _wait_for(condition, *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"toujours pas au bout de {seconds} s : {what}")
        time.sleep(0.2)


def test_a_worker_killed_mid_send_leaves_the_email_to_the_next_one_which_sends_it_once(tmp_path):
    # The broker was down at checkout: the order's e-mail waits in the outbox, pending.
    with broker_down():
        order = OrderFactory(card=True)  # one e-mail: « commande enregistrée »
    email = OutboundEmail.objects.get(kind="marketplace.order_email", payload__args=[order.pk, "placed", ""])
    assert (email.state, email.attempts) == (EmailState.PENDING, 0)

    queue = f"test-{uuid.uuid4().hex[:8]}"
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    first = _start_worker(queue, tmp_path, OUTBOX_TEST_SEND_DELAY_SECONDS="60")
    second = None
    try:
        send_outbound_email.apply_async(args=[email.pk], queue=queue)
        _wait_for(lambda: _is_locked(email.pk), seconds=90, what="le premier worker n'a pas pris l'e-mail")

        first.send_signal(signal.SIGKILL)  # mid-send: composed, not yet handed to the SMTP server
        first.wait(timeout=10)
        _wait_for(lambda: not _is_locked(email.pk), seconds=10, what="la ligne reste verrouillée")
        email.refresh_from_db()
        assert (email.state, email.attempts, list(tmp_path.iterdir())) == (EmailState.PENDING, 0, [])
        assert not OrderNotification.objects.filter(order=order).exists()  # undone with its transaction

        second = _start_worker(queue, tmp_path)
        _wait_for(
            lambda: OutboundEmail.objects.get(pk=email.pk).state == EmailState.SENT,
            seconds=120,
            what="le second worker n'a pas envoyé l'e-mail",
        )
    finally:
        app.conf.task_always_eager = eager
        for process in (first, second):
            if process is not None:
                _stop(process)

    _assert_sent_once(order, email, tmp_path)


def _assert_sent_once(order, email: OutboundEmail, mail_dir: Path) -> None:
    email.refresh_from_db()
    assert (email.state, email.attempts) == (EmailState.SENT, 1)
    sent = "".join(path.read_text() for path in mail_dir.iterdir())
    assert sent.count("Message-ID:") == 1
    assert f"To: {order.customer.email}" in sent
    assert f"Nous avons bien reçu votre commande {order.reference}" in sent
    assert OrderNotification.objects.filter(order=order).count() == 1


def _children(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def test_a_pool_process_killed_mid_send_is_replaced_and_the_email_sent_once(tmp_path):
    """The prefork pool's process dies (out of memory, a crash): the worker rejects the message back to
    the queue (`task_reject_on_worker_lost`) and a fresh pool process runs it again, once."""
    with broker_down():
        order = OrderFactory(card=True)
    email = OutboundEmail.objects.get(kind="marketplace.order_email", payload__args=[order.pk, "placed", ""])

    queue = f"test-{uuid.uuid4().hex[:8]}"
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    # Every try is slow (8 s): the first one is killed within its first second or two.
    worker = _start_worker(queue, tmp_path, pool="prefork", OUTBOX_TEST_SEND_DELAY_SECONDS="8")
    try:
        send_outbound_email.apply_async(args=[email.pk], queue=queue)
        _wait_for(lambda: _is_locked(email.pk), seconds=90, what="le worker n'a pas pris l'e-mail")
        [child] = _children(worker.pid)
        os.kill(child, signal.SIGKILL)
        # The message goes back to the queue at once (no visibility timeout to wait for), and a new
        # pool process takes it.
        _wait_for(
            lambda: OutboundEmail.objects.get(pk=email.pk).state == EmailState.SENT,
            seconds=60,
            what="l'e-mail n'a pas été renvoyé par un nouveau processus",
        )
        assert _children(worker.pid) != [child]
    finally:
        app.conf.task_always_eager = eager
        _stop(worker)

    _assert_sent_once(order, email, tmp_path)
