"""PostgreSQL-only schema pieces, as migration operations that do nothing on other databases.

An `ExclusionConstraint` in a model's Meta would break `migrate` on SQLite (STYLE.md); on SQLite
the same rule is checked inside the locked transaction of the booking actions.
"""

from django.db import migrations


class PostgresOnlySQL(migrations.RunSQL):
    """RunSQL that runs only on PostgreSQL."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


RESOURCE_OVERLAP = "bookings_booking_no_resource_overlap"


def no_overlapping_resource_use() -> PostgresOnlySQL:
    """One resource (a car) is never in two live bookings whose times overlap."""
    return PostgresOnlySQL(
        sql=[
            "CREATE EXTENSION IF NOT EXISTS btree_gist",
            f"ALTER TABLE bookings_booking ADD CONSTRAINT {RESOURCE_OVERLAP} EXCLUDE USING gist "
            "(resource_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
            "WHERE (resource_id IS NOT NULL AND status <> 'cancelled')",
        ],
        reverse_sql=[f"ALTER TABLE bookings_booking DROP CONSTRAINT IF EXISTS {RESOURCE_OVERLAP}"],
    )
