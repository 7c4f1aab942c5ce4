"""A Celery broker that is down, for the tests of what must not be lost meanwhile."""

import socket
from contextlib import contextmanager, suppress

from celery import current_app

from hub import notify

# Nothing listens on port 1: the connection is refused at once, as when Redis is down.
REFUSING_BROKER = "redis://127.0.0.1:1/0"


@contextmanager
def broker_down(url: str = REFUSING_BROKER):
    """The Celery app publishes (with the project's own timeouts and publish retry policy) to a broker
    that fails, then gets its own back."""
    conf = current_app.conf
    saved = (conf.task_always_eager, conf.broker_url, conf.broker_write_url)
    conf.task_always_eager, conf.broker_url, conf.broker_write_url = False, url, url
    current_app._pool = None
    current_app.amqp._producer_pool = None
    try:
        yield
    finally:
        conf.task_always_eager, conf.broker_url, conf.broker_write_url = saved
        current_app._pool = None
        current_app.amqp._producer_pool = None
        notify.resume_broker()


@contextmanager
def silent_broker():
    """A broker host that never answers (a network black hole): a socket listening with a full
    backlog, whose new connections the kernel leaves unanswered until the client's timeout."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    fillers = []
    for _ in range(3):
        filler = socket.socket()
        filler.setblocking(False)
        with suppress(BlockingIOError):
            filler.connect(("127.0.0.1", port))
        fillers.append(filler)
    try:
        with broker_down(f"redis://127.0.0.1:{port}/0"):
            yield
    finally:
        for filler in fillers:
            filler.close()
        server.close()
