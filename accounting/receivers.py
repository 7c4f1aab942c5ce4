"""Receivers of the hub's domain events."""

from accounting.actions import setup_books
from hub.models import Structure


def on_structure_created(sender, structure: Structure, **kwargs) -> None:
    """A new structure gets its books at once (chart, journals, the current fiscal year, counters), and
    every other structure gets the 467 account of the new counterpart."""
    setup_books(structure=structure)
    for other in Structure.objects.exclude(pk=structure.pk).filter(books__isnull=False):
        setup_books(structure=other)
