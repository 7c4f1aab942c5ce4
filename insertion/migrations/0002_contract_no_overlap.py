"""Contracts of one worker never overlap: an ExclusionConstraint on PostgreSQL (btree_gist).

Plain SQL in an operation that does nothing on other databases, so SQLite still migrates; there
the rule is enforced by `insertion.actions.create_contract` under a row lock (STYLE.md).
"""

from django.db import migrations


class PostgresOnlySQL(migrations.RunSQL):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [("insertion", "0001_initial")]

    operations = [
        PostgresOnlySQL(
            sql=[
                "CREATE EXTENSION IF NOT EXISTS btree_gist",
                "ALTER TABLE insertion_contract ADD CONSTRAINT insertion_contract_no_overlap "
                "EXCLUDE USING gist (worker_id WITH =, daterange(start_date, end_date, '[]') WITH &&)",
            ],
            reverse_sql=["ALTER TABLE insertion_contract DROP CONSTRAINT insertion_contract_no_overlap"],
        ),
    ]
