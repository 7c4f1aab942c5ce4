"""hub.notify: work queued by task name after commit, and the one switch that silences e-mails."""

import sys

import pytest
from celery import current_app, shared_task

import hub.tasks  # noqa: F401  # imported, so that the last test has something to forget
from hub import notify

pytestmark = pytest.mark.django_db

calls: list[tuple[tuple, dict]] = []


@shared_task(name="tests.hub.record")
def record(*args, **kwargs) -> None:
    """A task that only remembers how it was called (the suite runs Celery eagerly)."""
    calls.append((args, kwargs))


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


def test_email_on_commit_queues_an_email_task_once_committed(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify.email_on_commit("tests.hub.record", 7, "paid", "")

    assert calls == [((7, "paid", ""), {})]


def test_no_email_is_queued_while_suppressed(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, notify.suppressed():
        assert notify.is_suppressed() is True
        notify.email_on_commit("tests.hub.record", 7, "paid", "")
        notify.enqueue_on_commit("tests.hub.record", 8)  # not an e-mail: never suppressed

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
    monkeypatch.delitem(current_app.tasks, "hub.ping")

    notify.enqueue("hub.ping")

    assert "hub.ping" in current_app.tasks
