"""Structured logs on stdout: one JSON object per line, and one line per HTTP request.

`JsonFormatter` is the production format (`LOG_FORMAT=json`, the default of base.py): a log
shipper (journald, Docker, Loki, …) reads each line as an object. `RequestLogMiddleware` writes
the request line — method, path (no query string: it may carry searches), status, duration,
the proxy's request id — and nothing about the person: no user, no IP, no body.
"""

import json
import logging
import time
from datetime import UTC, datetime

REQUEST_FIELDS = ("method", "path", "status", "duration_ms", "request_id")

request_logger = logging.getLogger("pole.request")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({field: getattr(record, field) for field in REQUEST_FIELDS if hasattr(record, field)})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class RequestLogMiddleware:
    """One INFO line per request (WARNING for a 5xx), after the response is built."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.monotonic()
        response = self.get_response(request)
        fields = {
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round((time.monotonic() - started) * 1000, 1),
            "request_id": request.headers.get("X-Request-Id", ""),
        }
        level = logging.WARNING if response.status_code >= 500 else logging.INFO
        request_logger.log(level, "%(method)s %(path)s %(status)s", fields, extra=fields)
        return response
