"""Structured logs: one JSON line per request, with no personal data in it."""

import json
import logging
import sys

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from config.logging import JsonFormatter, RequestLogMiddleware

pytestmark = pytest.mark.django_db


def test_one_request_line_per_request(client, caplog):
    caplog.set_level(logging.INFO, logger="pole.request")
    response = client.get("/api/v1/structures/?q=secret", HTTP_X_REQUEST_ID="abc-123")
    assert response.status_code == 200
    records = [record for record in caplog.records if record.name == "pole.request"]
    assert len(records) == 1
    record = records[0]
    assert record.levelno == logging.INFO
    assert record.getMessage() == "GET /api/v1/structures/ 200"
    assert (record.method, record.path, record.status, record.request_id) == (
        "GET",
        "/api/v1/structures/",
        200,
        "abc-123",
    )
    line = json.loads(JsonFormatter().format(record))
    assert set(line) == {"time", "level", "logger", "message", "method", "path", "status", "duration_ms", "request_id"}
    assert "secret" not in JsonFormatter().format(record)  # the query string is never logged


def test_a_server_error_is_logged_as_a_warning(caplog):
    caplog.set_level(logging.INFO, logger="pole.request")
    middleware = RequestLogMiddleware(lambda request: HttpResponse(status=503))
    middleware(RequestFactory().post("/commandes/"))
    [record] = [record for record in caplog.records if record.name == "pole.request"]
    assert record.levelno == logging.WARNING
    assert record.getMessage() == "POST /commandes/ 503"


def test_the_json_formatter_keeps_the_traceback_on_one_line():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.getLogger("x").makeRecord(
            "x", logging.ERROR, __file__, 1, "échec %s", ("net",), sys.exc_info()
        )
    output = JsonFormatter().format(record)
    assert "\n" not in output
    line = json.loads(output)
    assert line["message"] == "échec net"
    assert line["level"] == "ERROR"
    assert line["exception"].endswith("ValueError: boom")
