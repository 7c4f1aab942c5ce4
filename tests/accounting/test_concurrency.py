import datetime
import threading

import pytest
from django.db import connection

from accounting.actions import post_document, setup_books
from accounting.documents import IdempotencyKey
from accounting.models import Entry, EntryCounter
from tests.accounting.factories import DocumentFactory, StructureFactory

THREADS = 8
PER_THREAD = 10


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_posting_leaves_no_gap_and_no_duplicate():
    structure = StructureFactory()
    setup_books(structure=structure, on=datetime.date(2025, 6, 1))
    shared_key = IdempotencyKey(source_kind="stripe_event", source_id="evt_1", event="paid")
    # Built here: factory_boy sequences are not meant to be shared between threads.
    batches = [
        [DocumentFactory(structure=structure) for _ in range(PER_THREAD)]
        + [DocumentFactory(structure=structure, key=shared_key)]  # every thread retries the same event
        for _ in range(THREADS)
    ]
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def post(batch):
        try:
            start.wait()
            for document in batch:
                post_document(document)
        except BaseException as error:  # handed to the main thread, which fails the test
            errors.append(error)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=post, args=(batch,)) for batch in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    numbers = list(Entry.objects.filter(structure=structure).order_by("number").values_list("number", flat=True))
    expected = THREADS * PER_THREAD + 1
    assert numbers == list(range(1, expected + 1))
    assert Entry.objects.filter(structure=structure, source_kind="stripe_event").count() == 1
    assert (
        EntryCounter.objects.get(
            journal__structure=structure, journal__code="VE", fiscal_year__start_date__year=2025
        ).last_number
        == expected
    )
