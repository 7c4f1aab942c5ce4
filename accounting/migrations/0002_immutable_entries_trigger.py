"""PostgreSQL triggers that keep posted entries immutable and balanced, whatever the client.

See docs/adr/0003-ledger.md.

Entries never change nor disappear; their lines may only change their lettering code and date.
The check compares the rows as JSON minus the lettering fields, so a column added later is
protected without touching this trigger. On SQLite these operations do nothing: the model
layer (save/delete/QuerySet) is the guard there. TRUNCATE is not a row event: it stays available
to the test runner's flush and to a DBA, on purpose.
"""

from django.db import migrations

CREATE = r"""
CREATE OR REPLACE FUNCTION accounting_refuse_entry_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'Écriture validée : suppression interdite (table %, id %), passez une extourne.',
            TG_TABLE_NAME, OLD.id USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_TABLE_NAME = 'accounting_entryline' THEN
        IF (to_jsonb(NEW) - 'lettering_code' - 'lettering_date')
           IS DISTINCT FROM (to_jsonb(OLD) - 'lettering_code' - 'lettering_date') THEN
            RAISE EXCEPTION 'Écriture validée : seul le lettrage d''une ligne peut changer (ligne %).',
                OLD.id USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    ELSIF to_jsonb(NEW) IS DISTINCT FROM to_jsonb(OLD) THEN
        RAISE EXCEPTION 'Écriture validée : modification interdite (écriture %), passez une extourne.',
            OLD.id USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER accounting_entry_immutable
    BEFORE UPDATE OR DELETE ON accounting_entry
    FOR EACH ROW EXECUTE FUNCTION accounting_refuse_entry_change();

CREATE TRIGGER accounting_entryline_immutable
    BEFORE UPDATE OR DELETE ON accounting_entryline
    FOR EACH ROW EXECUTE FUNCTION accounting_refuse_entry_change();

-- Every entry touched by an INSERT balances once the statement is done. post_document inserts
-- all the lines of an entry in one statement; a line slipped into a posted entry later
-- unbalances it and is refused. One check per statement, not per row: bulk loads stay fast.
CREATE OR REPLACE FUNCTION accounting_check_entries_balanced() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    unbalanced bigint;
BEGIN
    SELECT l.entry_id INTO unbalanced
    FROM accounting_entryline l
    WHERE l.entry_id IN (SELECT entry_id FROM new_lines)
    GROUP BY l.entry_id
    HAVING sum(l.debit) <> sum(l.credit)
    LIMIT 1;
    IF unbalanced IS NOT NULL THEN
        RAISE EXCEPTION 'Écriture % déséquilibrée : ses débits et ses crédits diffèrent.',
            unbalanced USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER accounting_entryline_balanced
    AFTER INSERT ON accounting_entryline
    REFERENCING NEW TABLE AS new_lines
    FOR EACH STATEMENT EXECUTE FUNCTION accounting_check_entries_balanced();
"""

DROP = """
DROP TRIGGER IF EXISTS accounting_entryline_balanced ON accounting_entryline;
DROP FUNCTION IF EXISTS accounting_check_entries_balanced();
DROP TRIGGER IF EXISTS accounting_entryline_immutable ON accounting_entryline;
DROP TRIGGER IF EXISTS accounting_entry_immutable ON accounting_entry;
DROP FUNCTION IF EXISTS accounting_refuse_entry_change();
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("accounting", "0001_initial")]

    operations = [migrations.RunPython(create_triggers, drop_triggers, elidable=False)]
