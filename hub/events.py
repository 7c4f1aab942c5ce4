"""Domain events of the hub (ARCHITECTURE.md): higher apps react to them without hub importing them.

`structure_created` is sent synchronously, inside the transaction that created the structure, so
that what the other apps attach to a structure (its books) exists whenever the structure does.
"""

from django.dispatch import Signal

# Sent with `structure=<Structure>` once a structure's row is inserted.
structure_created = Signal()
