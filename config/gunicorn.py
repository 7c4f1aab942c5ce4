"""gunicorn's settings for `make serve` / the Procfile (`gunicorn -c config/gunicorn.py config.wsgi`).

gunicorn also reads WEB_CONCURRENCY (workers) and FORWARDED_ALLOW_IPS (the proxies trusted for
X-Forwarded-*) itself; GUNICORN_BIND says where to listen. The request line is logged by
Django (config/logging.py), so gunicorn's own access log is off.
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
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "INFO").lower()
