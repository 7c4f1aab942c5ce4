"""hub.notify: work queued by task name after commit, and the one switch that silences e-mails."""

import sys

import pytest
from celery import current_app, shared_task
from django.core import mail

import hub.tasks  # noqa: F401  # imported, so that the last test has something to forget
from hub import notify, outbox
from hub.enums import EmailState
from hub.models import OutboundEmail

pytestmark = pytest.mark.django_db

calls: list[tuple[tuple, dict]] = []


@shared_task(name="tests.hub.record")
def record(*args, **kwargs) -> None:
    """A task that only remembers how it was called (the suite runs Celery eagerly)."""
    calls.append((args, kwargs))


def _hello(name: str) -> outbox.Message:
    return outbox.Message(subject=f"Bonjour {name}", body="…", recipients=[f"{name.lower()}@example.org"])


@pytest.fixture(autouse=True)
def _no_calls():
    calls.clear()
    yield
    calls.clear()


def test_enqueue_on_commit_runs_the_named_task_once_committed(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        notify.enqueue_on_commit("tests.hub.record", 7, kind="paid")
        assert calls == []  # nothing inside the transaction

    assert len(callbacks) == 1
    callbacks[0]()
    assert calls == [((7,), {"kind": "paid"})]


def test_email_on_commit_writes_the_outbox_row_in_the_transaction_and_sends_it_once_committed(
    django_capture_on_commit_callbacks,
):
    outbox.register("tests.hub.hello", _hello)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        email_id = notify.email_on_commit("tests.hub.hello", "Camille", related="essai #7")
        email = OutboundEmail.objects.get(pk=email_id)
        assert (email.state, email.payload, email.related, mail.outbox) == (
            EmailState.PENDING, {"args": ["Camille"]}, "essai #7", [],
        )  # fmt: skip

    assert len(callbacks) == 1
    email.refresh_from_db()
    assert (email.state, email.attempts, email.recipients, email.subject) == (
        EmailState.SENT, 1, ["camille@example.org"], "Bonjour Camille",
    )  # fmt: skip
    assert [(m.subject, m.to, m.body) for m in mail.outbox] == [("Bonjour Camille", ["camille@example.org"], "…")]


def test_no_email_is_queued_while_suppressed(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, notify.suppressed():
        assert notify.is_suppressed() is True
        before = OutboundEmail.objects.count()
        assert notify.email_on_commit("tests.hub.hello", "Camille") is None
        assert notify.message_on_commit(subject="Bonjour", body="…", recipients=["a@example.org"]) is None
        notify.enqueue_on_commit("tests.hub.record", 8)  # not an e-mail: never suppressed

    assert OutboundEmail.objects.count() == before
    assert len(callbacks) == 1
    assert calls == [((8,), {})]
    assert notify.is_suppressed() is False


def test_suppressed_nests_and_restores_the_previous_state():
    with notify.suppressed():
        with notify.suppressed():
            assert notify.is_suppressed() is True
        assert notify.is_suppressed() is True
    assert notify.is_suppressed() is False


def test_a_task_module_not_imported_yet_is_found_by_name(monkeypatch):
    """A web process has not imported the apps' tasks modules (a worker does at start)."""
    monkeypatch.delitem(sys.modules, "hub.tasks")
    for name in [name for name in current_app.tasks if name.startswith("hub.")]:
        monkeypatch.delitem(current_app.tasks, name)

    notify.enqueue("hub.ping")

    assert "hub.ping" in current_app.tasks
