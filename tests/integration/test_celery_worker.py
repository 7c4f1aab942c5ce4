"""A real Celery worker process, against the real Redis broker, runs a task sent from here."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from config.celery import app
from hub.tasks import ping

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker_queue():
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", queue, "--loglevel=WARNING"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        yield queue
    finally:
        app.conf.task_always_eager = eager
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()


@pytest.mark.redis
def test_a_task_round_trips_through_a_real_worker(worker_queue):
    result = ping.apply_async(queue=worker_queue)
    # disable_sync_subtasks: an eager task run earlier in this process leaves Celery believing it is
    # inside a task, and it would refuse to wait; the test is no task.
    assert result.get(timeout=60, disable_sync_subtasks=False) == "pong"
    assert result.status == "SUCCESS"
