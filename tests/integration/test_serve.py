"""`make serve`'s processes, for real: honcho runs the Procfile (gunicorn, a Celery worker and beat)
with production settings on a copy of the test database and the real Redis."""

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from tests.integration.conftest import copy_database, test_database_url

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str, headers: dict | None = None):
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 — loopback only
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 — loopback only
        return response.status, response.read()


def _wait_until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := predicate():
            return result
        time.sleep(0.5)
    raise AssertionError(f"{what} not seen within {timeout} s")


def test_the_procfile_serves_with_production_settings(empty_database, tmp_path):
    database = empty_database()
    copy_database(test_database_url(), database)  # beat and the worker write to it
    port = _free_port()
    env = {
        "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DJANGO_SECRET_KEY": "serve-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-!@#",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": database,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "CELERY_CONCURRENCY": "1",
        "STATIC_ROOT": str(tmp_path / "static"),
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    }
    process = subprocess.Popen(
        [str(BIN / "honcho"), "start", "-f", "Procfile"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
    reader.start()

    def logged(name: str) -> list[dict]:
        """The JSON objects process `name` printed (honcho prefixes each line with `time name.1 | `)."""
        objects = []
        for line in list(lines):
            prefix, _bar, rest = line.partition("| ")
            if f" {name}.1 " in prefix and rest.startswith("{"):
                objects.append(json.loads(rest))
        return objects

    try:
        base = f"http://127.0.0.1:{port}"

        def healthy():
            try:
                return _get(f"{base}/healthz")
            except OSError:
                return None

        assert _wait_until(healthy, 90, "/healthz") == (200, b'{"status": "ok", "database": "ok", "broker": "ok"}')
        status, body = _get(f"{base}/api/v1/structures/?page=1", {"X-Request-Id": "req-42"})
        assert status == 200
        assert json.loads(body)["count"] == 7

        request_lines = _wait_until(
            lambda: [entry for entry in logged("web") if entry.get("request_id") == "req-42"], 10, "the request line"
        )
        assert len(request_lines) == 1
        assert request_lines[0]["logger"] == "pole.request"
        assert request_lines[0]["level"] == "INFO"
        assert (request_lines[0]["method"], request_lines[0]["path"], request_lines[0]["status"]) == (
            "GET",
            "/api/v1/structures/",
            200,
        )
        assert request_lines[0]["message"] == "GET /api/v1/structures/ 200"
        assert isinstance(request_lines[0]["duration_ms"], float)
        assert any(entry["message"].startswith("Listening at: ") for entry in logged("web"))  # gunicorn's own, JSON too
        _wait_until(lambda: any(e["message"].endswith(" ready.") for e in logged("worker")), 90, "worker ready")
        _wait_until(lambda: any(e["message"] == "beat: Starting..." for e in logged("beat")), 90, "beat starting")
    finally:
        process.terminate()  # honcho stops the three processes
        process.wait(timeout=60)
        reader.join(timeout=10)
        process.stdout.close()
    assert process.returncode is not None
    assert any("web.1 stopped" in line for line in lines), "".join(lines[-20:])
