"""PostgreSQL triggers that keep issued invoices immutable and numbered in date order, whatever the client.

See docs/adr/0009-invoices-immutable-and-dated.md (and DOMAIN.md rule 8).

An issued invoice (it has a number) is never deleted, and an UPDATE may change nothing but its cached
PDF: the rows are compared as JSON minus `pdf`, so a column added later is protected without touching
this trigger. A line of an issued invoice is never inserted, changed or deleted. When an invoice is
issued, its date may not be earlier than the previous number's nor later than the next one's in its
(structure, year) series. Drafts stay free. On SQLite these operations do nothing: the model layer
(save/delete/QuerySet) is the guard there. TRUNCATE is not a row event: it stays available to the
test runner's flush and to a DBA, on purpose.
"""

from django.db import migrations

CREATE = r"""
CREATE OR REPLACE FUNCTION marketplace_refuse_issued_invoice_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    neighbour date;
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.number <> '' THEN
            RAISE EXCEPTION 'Facture % émise : suppression interdite, faites un avoir.',
                OLD.number USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.number <> '' THEN
        IF (to_jsonb(NEW) - 'pdf') IS DISTINCT FROM (to_jsonb(OLD) - 'pdf') THEN
            RAISE EXCEPTION 'Facture % émise : modification interdite (seul son PDF peut changer), faites un avoir.',
                OLD.number USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END IF;
    -- The invoice is being issued (or inserted already issued): numbers follow dates in its series.
    -- Only the two neighbours are read, each one step on the (structure, year, sequence) index.
    IF NEW.sequence IS NOT NULL THEN
        SELECT issue_date INTO neighbour FROM marketplace_invoice
        WHERE structure_id = NEW.structure_id AND year = NEW.year
          AND sequence IS NOT NULL AND sequence < NEW.sequence
        ORDER BY sequence DESC LIMIT 1;
        IF neighbour > NEW.issue_date THEN
            RAISE EXCEPTION 'Facture % datée du % : la facture précédente de la série est du %, les numéros suivent l''ordre des dates.',
                NEW.number, to_char(NEW.issue_date, 'DD/MM/YYYY'), to_char(neighbour, 'DD/MM/YYYY')
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        SELECT issue_date INTO neighbour FROM marketplace_invoice
        WHERE structure_id = NEW.structure_id AND year = NEW.year
          AND sequence IS NOT NULL AND sequence > NEW.sequence
        ORDER BY sequence ASC LIMIT 1;
        IF neighbour < NEW.issue_date THEN
            RAISE EXCEPTION 'Facture % datée du % : la facture suivante de la série est du %, les numéros suivent l''ordre des dates.',
                NEW.number, to_char(NEW.issue_date, 'DD/MM/YYYY'), to_char(neighbour, 'DD/MM/YYYY')
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER marketplace_invoice_immutable
    BEFORE INSERT OR UPDATE OR DELETE ON marketplace_invoice
    FOR EACH ROW EXECUTE FUNCTION marketplace_refuse_issued_invoice_change();

-- FOR SHARE waits for a concurrent issue of the same invoice to commit, then sees it issued.
CREATE OR REPLACE FUNCTION marketplace_refuse_issued_invoice_line_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    issued text;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        SELECT number INTO issued FROM marketplace_invoice WHERE id = OLD.invoice_id AND number <> '' FOR SHARE;
    END IF;
    IF issued IS NULL AND TG_OP <> 'DELETE' THEN
        SELECT number INTO issued FROM marketplace_invoice WHERE id = NEW.invoice_id AND number <> '' FOR SHARE;
    END IF;
    IF issued IS NOT NULL THEN
        RAISE EXCEPTION 'Facture % émise : ses lignes ne peuvent plus être ajoutées, modifiées ni supprimées, faites un avoir.',
            issued USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER marketplace_invoiceline_immutable
    BEFORE INSERT OR UPDATE OR DELETE ON marketplace_invoiceline
    FOR EACH ROW EXECUTE FUNCTION marketplace_refuse_issued_invoice_line_change();
"""

DROP = """
DROP TRIGGER IF EXISTS marketplace_invoiceline_immutable ON marketplace_invoiceline;
DROP FUNCTION IF EXISTS marketplace_refuse_issued_invoice_line_change();
DROP TRIGGER IF EXISTS marketplace_invoice_immutable ON marketplace_invoice;
DROP FUNCTION IF EXISTS marketplace_refuse_issued_invoice_change();
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0005_orderline_labour_snapshot")]

    operations = [migrations.RunPython(create_triggers, drop_triggers, elidable=False)]
