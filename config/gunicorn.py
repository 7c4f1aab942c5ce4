"""gunicorn's settings for `make serve` / the Procfile (`gunicorn -c config/gunicorn.py config.wsgi`).

gunicorn also reads WEB_CONCURRENCY (workers) and FORWARDED_ALLOW_IPS (the proxies trusted for
X-Forwarded-*) itself; GUNICORN_BIND says where to listen. The request line is logged by
Django (config/logging.py), so gunicorn's own access log is off; its other lines use LOG_FORMAT too.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
# Recycle workers now and then, so a slow leak never grows into an outage.
max_requests = 2000
max_requests_jitter = 200
accesslog = None
loglevel = os.environ.get("LOG_LEVEL", "INFO").lower()
# gunicorn's own lines (start, worker boot and exit, timeouts) in the same format as Django's.
_format = os.environ.get("LOG_FORMAT", "json")
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "config.logging.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": _format}},
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "level": loglevel.upper(), "propagate": False},
        "gunicorn.access": {"handlers": [], "propagate": False},
    },
}
