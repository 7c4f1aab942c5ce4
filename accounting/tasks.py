"""Celery tasks of the books: thin, each calls one action (named for the beat schedule)."""

from celery import shared_task

from accounting.actions.reconciling import run_reconciliation


@shared_task(name="accounting.reconcile_books")
def reconcile_books() -> bool:
    """Beat, every night: reconcile the books with the platform, store the run, alert if not clean."""
    return run_reconciliation(triggered_by="tâche de nuit").clean
