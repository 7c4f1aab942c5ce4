"""PDFs of live data (a pick list, a quote) are rendered by a task, never in the web request: the view
serves the stored PDF, or answers « Document en préparation » (202) while the task runs."""

import io
import os
import time

import pytest
from django.urls import reverse
from pypdf import PdfReader

from hub import rendering
from hub.storage import private_storage
from tests.accounts.factories import UserFactory
from tests.bookings.factories import BookableOfferingFactory
from tests.broker import broker_down

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings(
        "ignore:unclosed file <_io.BufferedReader name='.*/weasyprint/pdf/sRGB2014.icc'>:ResourceWarning"
    ),
]
QUERY = {"heures": "2", "interventions": "4"}


def _rendered(folder: str) -> list[str]:
    storage = private_storage()
    if not storage.exists(f"{rendering.ROOT}/{folder}"):
        return []
    return sorted(storage.listdir(f"{rendering.ROOT}/{folder}")[1])


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path


@pytest.fixture
def quote_url(client):
    housework = BookableOfferingFactory(home_visit=True, structure__name="Services du Lunain")
    client.force_login(UserFactory())
    return reverse("bookings:sap_quote", args=[housework.slug])


def test_a_quote_is_rendered_once_by_the_task_then_served_from_the_private_storage(client, quote_url):
    first = client.get(quote_url, QUERY)
    body = b"".join(first.streaming_content)

    assert (first.status_code, first["Content-Type"], first["Cache-Control"]) == (
        200,
        "application/pdf",
        "private, no-store",
    )
    assert "Devis gratuit" in PdfReader(io.BytesIO(body)).pages[0].extract_text()
    [pdf] = _rendered("quotes")  # the HTML it came from is gone once rendered
    assert pdf.endswith(".pdf")
    stamp = private_storage().get_modified_time(f"{rendering.ROOT}/quotes/{pdf}")

    again = client.get(quote_url, QUERY)
    assert b"".join(again.streaming_content) == body
    assert private_storage().get_modified_time(f"{rendering.ROOT}/quotes/{pdf}") == stamp  # not rendered again
    other = client.get(quote_url, {"heures": "3", "interventions": "4"})  # another document: another file
    assert (other.status_code, b"".join(other.streaming_content)[:5]) == (200, b"%PDF-")  # read: closed
    assert len(_rendered("quotes")) == 2


def test_while_the_task_has_not_run_the_page_says_the_document_is_being_prepared(client, quote_url):
    with broker_down():
        pending = client.get(quote_url, QUERY)

    assert (pending.status_code, pending["Retry-After"], pending["Cache-Control"]) == (202, "5", "no-store")
    page = pending.content.decode()
    assert "Document en préparation" in page
    assert 'http-equiv="refresh"' in page
    assert [name.rsplit(".", 1)[1] for name in _rendered("quotes")] == ["html"]  # kept for the task

    ready = client.get(quote_url, QUERY)  # the broker is back (eager here): rendered, then served
    assert (ready.status_code, ready["Content-Type"]) == (200, "application/pdf")
    assert b"".join(ready.streaming_content)[:5] == b"%PDF-"
    assert [name.rsplit(".", 1)[1] for name in _rendered("quotes")] == ["pdf"]


def test_old_rendered_documents_are_swept():
    storage = private_storage()
    old = storage.save(f"{rendering.ROOT}/pick-lists/ancien.pdf", io.BytesIO(b"%PDF-old"))
    new = storage.save(f"{rendering.ROOT}/pick-lists/recent.pdf", io.BytesIO(b"%PDF-new"))
    three_days_ago = time.time() - 3 * 86400
    os.utime(storage.path(old), (three_days_ago, three_days_ago))

    assert rendering.sweep_rendered() == 1
    assert (storage.exists(old), storage.exists(new)) == (False, True)


def test_quotes_are_kept_a_year():
    storage = private_storage()
    kept = storage.save(f"{rendering.ROOT}/quotes/mois-dernier.pdf", io.BytesIO(b"%PDF-kept"))
    old = storage.save(f"{rendering.ROOT}/quotes/an-dernier.pdf", io.BytesIO(b"%PDF-old"))
    for name, days in ((kept, 40), (old, 367)):
        stamp = time.time() - days * 86400
        os.utime(storage.path(name), (stamp, stamp))

    assert rendering.sweep_rendered() == 1
    assert (storage.exists(kept), storage.exists(old)) == (True, False)
