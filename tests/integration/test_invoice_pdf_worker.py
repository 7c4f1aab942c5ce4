"""Invoice PDFs render in a real Celery worker (prefork: the pool that enforces time limits), never in
the web request: the page answers « Document en préparation » (202) until the worker has stored the
file, and a render past its time limit stops cleanly — nothing stored, the page still answers 202."""

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import dj_database_url
import pytest
from django.db import connection
from django.urls import reverse

from config.celery import app
from marketplace.models import Invoice
from marketplace.tasks import render_invoice_pdf
from tests.hub.factories import StructureFactory
from tests.marketplace.invoice_factories import Line, issued_invoice

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings(
        "ignore:unclosed file <_io.BufferedReader name='.*/weasyprint/pdf/sRGB2014.icc'>:ResourceWarning"
    ),
]


@contextmanager
def pdf_worker(private_root: Path, *, time_limit: int):
    """A prefork worker on the default queue, on the test database and the test's private storage."""
    database = {**dj_database_url.parse(os.environ["DATABASE_URL"]), "NAME": connection.settings_dict["NAME"]}
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": url,
        "PRIVATE_MEDIA_ROOT": str(private_root),
        "INVOICE_PDF_TIME_LIMIT": str(time_limit),
    }
    app.control.purge()  # this broker database is the suite's: nothing else waits on its default queue
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=prefork", "--concurrency=1",
         "--loglevel=WARNING", "--without-heartbeat", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        yield process
    finally:
        app.conf.task_always_eager = eager
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()


def _lines(count: int) -> list[Line]:
    return [Line(f"Panier de légumes n° {i}", Decimal("1"), Decimal("12.00"), Decimal("5.50")) for i in range(count)]


def _garden():
    return StructureFactory(name="Jardins du Loing", liable=True, default_vat_rate=Decimal("5.50"))


def test_the_page_says_it_is_being_prepared_until_the_worker_has_stored_the_pdf(client, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    invoice = issued_invoice(_garden(), _lines(2))
    client.force_login(invoice.customer)
    url = reverse("marketplace:invoice_pdf", args=[invoice.number])

    with pdf_worker(tmp_path, time_limit=60):
        pending = client.get(url)
        assert pending.status_code == 202
        assert "Document en préparation" in pending.content.decode()
        deadline = time.monotonic() + 90
        response = pending
        while response.status_code == 202 and time.monotonic() < deadline:
            time.sleep(0.5)
            response = client.get(url)

        assert response.status_code == 200
        body = b"".join(response.streaming_content)
    assert body.startswith(b"%PDF-")
    assert (tmp_path / "invoices" / f"{invoice.number}.pdf").read_bytes() == body


def test_a_render_past_its_time_limit_stops_cleanly_and_the_page_still_answers(client, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    # 400 lines take about four seconds to lay out; the task is allowed one.
    invoice = issued_invoice(_garden(), _lines(400))
    client.force_login(invoice.customer)

    with pdf_worker(tmp_path, time_limit=1) as worker:
        started = time.monotonic()
        # The limits travel with the message, from the sender's settings: this process's are the defaults.
        result = render_invoice_pdf.apply_async(args=[invoice.pk], soft_time_limit=1, time_limit=11)
        # disable_sync_subtasks: an eager task run earlier in this process makes Celery believe it is
        # inside a task; the test is none.
        assert result.get(timeout=60, disable_sync_subtasks=False) is False
        assert time.monotonic() - started < 30  # stopped, not run to its end nor killed at 11 s and retried
        assert result.status == "SUCCESS"
        assert Invoice.objects.get(pk=invoice.pk).pdf.name == ""
        assert not (tmp_path / "invoices").exists()
        # The person asking meanwhile is told it is on its way (and a render is queued again).
        response = client.get(reverse("marketplace:invoice_pdf", args=[invoice.number]))
        worker.terminate()
        log = worker.communicate(timeout=60)[0]

    assert response.status_code == 202
    assert f"Le PDF de la pièce {invoice.number} est en cours de préparation" in response.content.decode()
    assert f"PDF of invoice {invoice.pk} not rendered within 1 s" in log
