"""An issued invoice and its lines never change (DOMAIN.md rule 8, ADR 0009): refused by the model and
QuerySet layer on every database, and by triggers on PostgreSQL whatever the client; only the cached
PDF may still be written. Drafts stay editable."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, models, transaction

from hub.models import Structure
from marketplace.exceptions import ImmutableInvoice
from marketplace.models import Invoice, InvoiceLine
from tests.marketplace.factories import order_for, resident
from tests.marketplace.invoice_factories import Line, draft_invoice


def structure(slug: str) -> Structure:
    """A structure of the demo hub (these tests check the demo's own invoice series too)."""
    return Structure.objects.get(slug=slug)


pytestmark = pytest.mark.django_db

BASKET = Line("Panier de légumes — moyen", Decimal("1"), Decimal("17.00"), Decimal("5.50"), revenue_account="701")
EGGS = Line("Œufs bio, boîte de 6", Decimal("2"), Decimal("3.20"), Decimal("5.50"), revenue_account="701")


@pytest.fixture
def issued(demo_hub) -> Invoice:
    """A basket paid in cash: its invoice is issued at placement."""
    order = order_for(resident(), {"panier-moyen-format": "1", "miel-toutes-fleurs-du-gatinais-500-g": "1"})
    return order.invoices.get(structure__slug="jardins-du-pole")


@pytest.fixture
def draft(demo_hub) -> Invoice:
    return draft_invoice(structure("jardins-du-pole"), [BASKET, EGGS], buyer_name="Camille Martin", buyer_address="Ici")


def snapshot(invoice: Invoice) -> tuple[dict, list[dict]]:
    return (
        Invoice.objects.filter(pk=invoice.pk).values().get(),
        list(InvoiceLine.objects.filter(invoice_id=invoice.pk).order_by("pk").values()),
    )


def line_values(invoice: Invoice, line: Line) -> dict:
    return {
        "invoice": invoice,
        "description": line.description,
        "quantity": line.quantity,
        "unit": line.unit,
        "unit_price_incl": line.unit_price_incl,
        "unit_price_excl": line.unit_price_incl,
        "vat_rate": line.vat_rate,
        "revenue_account": line.revenue_account,
        "is_goods": line.is_goods,
        **line.amounts(),
    }


# --- Every database: the model and QuerySet layer ----------------------------------------------------


def test_an_orm_update_of_an_issued_invoice_is_refused(issued):
    before = snapshot(issued)
    with pytest.raises(ImmutableInvoice) as excinfo:
        Invoice.objects.filter(pk=issued.pk).update(buyer_name="Quelqu'un d'autre")
    assert excinfo.value.message == (
        f"La facture {issued.number} est émise : elle ne peut plus être modifiée ni supprimée ; faites un avoir."
    )
    with pytest.raises(ImmutableInvoice):
        Invoice.objects.filter(pk=issued.pk).update(pdf="invoices/autre.pdf", total_incl=Decimal("0.00"))
    assert snapshot(issued) == before


def test_an_update_touching_a_draft_and_an_issued_invoice_is_refused_whole(issued, draft):
    before_issued, before_draft = snapshot(issued), snapshot(draft)
    with pytest.raises(ImmutableInvoice):
        Invoice.objects.filter(pk__in=[issued.pk, draft.pk]).update(buyer_address="Ailleurs")
    assert (snapshot(issued), snapshot(draft)) == (before_issued, before_draft)


def test_an_orm_delete_of_an_issued_invoice_is_refused(issued):
    before = snapshot(issued)
    with pytest.raises(ImmutableInvoice):
        Invoice.objects.filter(pk=issued.pk).delete()
    with pytest.raises(ImmutableInvoice):
        issued.delete()
    assert snapshot(issued) == before


def test_the_lines_of_an_issued_invoice_cannot_change_be_added_or_deleted(issued):
    before = snapshot(issued)
    line = issued.lines.first()
    line.quantity = Decimal("3")
    with pytest.raises(ImmutableInvoice):
        line.save()
    with pytest.raises(ImmutableInvoice):
        InvoiceLine.objects.create(**line_values(issued, EGGS))
    with pytest.raises(ImmutableInvoice):
        InvoiceLine.objects.filter(invoice=issued).update(description="Autre chose")
    with pytest.raises(ImmutableInvoice):
        line.delete()
    with pytest.raises(ImmutableInvoice):
        InvoiceLine.objects.filter(invoice=issued).delete()
    assert snapshot(issued) == before


def test_a_draft_line_cannot_be_moved_into_an_issued_invoice(issued, draft):
    before_issued, before_draft = snapshot(issued), snapshot(draft)
    line = draft.lines.first()
    with pytest.raises(ImmutableInvoice):
        InvoiceLine.objects.filter(pk=line.pk).update(invoice=issued)
    line.invoice = issued
    with pytest.raises(ImmutableInvoice):
        line.save()
    assert (snapshot(issued), snapshot(draft)) == (before_issued, before_draft)


def test_the_cached_pdf_of_an_issued_invoice_may_still_be_written(issued):
    before = snapshot(issued)
    assert Invoice.objects.filter(pk=issued.pk).update(pdf="invoices/premier.pdf") == 1
    issued.pdf = "invoices/second.pdf"
    issued.save(update_fields=["pdf"])
    after = snapshot(issued)
    assert after[0] == {**before[0], "pdf": "invoices/second.pdf"}
    assert after[1] == before[1]


def test_a_draft_stays_editable(draft):
    Invoice.objects.filter(pk=draft.pk).update(buyer_name="Jeanne Roche")
    draft.refresh_from_db()
    draft.buyer_address = "8 chemin des Rochers\n77140 Saint-Pierre-lès-Nemours"
    draft.save()
    basket, eggs = draft.lines.all()
    basket.description = "Panier de légumes — grand"
    basket.save()
    InvoiceLine.objects.filter(pk=eggs.pk).update(quantity=Decimal("3"))
    InvoiceLine.objects.create(**line_values(draft, EGGS))
    eggs.delete()
    stored = Invoice.objects.get(pk=draft.pk)
    assert (stored.number, stored.buyer_name, stored.buyer_address) == (
        "",
        "Jeanne Roche",
        "8 chemin des Rochers\n77140 Saint-Pierre-lès-Nemours",
    )
    assert list(stored.lines.values_list("description", "quantity")) == [
        ("Panier de légumes — grand", Decimal("1.000")),
        ("Œufs bio, boîte de 6", Decimal("2.000")),
    ]
    InvoiceLine.objects.filter(invoice=draft).delete()
    Invoice.objects.filter(pk=draft.pk).delete()
    assert not Invoice.objects.filter(pk=draft.pk).exists()


# --- PostgreSQL: the triggers, whatever the client ----------------------------------------------------


@pytest.mark.postgres
class TestTriggers:
    @staticmethod
    def raw(sql: str, params: list) -> int:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount

    @staticmethod
    def unguarded_update(queryset: models.QuerySet, **values) -> int:
        """An ORM update that skips the QuerySet guard, as a careless migration or script would."""
        with transaction.atomic():
            return models.QuerySet.update(queryset, **values)

    def test_a_raw_update_of_an_issued_invoice_is_refused(self, issued):
        before = snapshot(issued)
        with pytest.raises(IntegrityError, match=f"Facture {issued.number} émise : modification interdite"):
            self.raw("UPDATE marketplace_invoice SET buyer_name = 'Autre' WHERE id = %s", [issued.pk])
        with pytest.raises(IntegrityError, match="modification interdite"):
            self.raw("UPDATE marketplace_invoice SET issue_date = issue_date - 30 WHERE id = %s", [issued.pk])
        with pytest.raises(IntegrityError, match="modification interdite"):
            self.raw("UPDATE marketplace_invoice SET number = '', sequence = NULL WHERE id = %s", [issued.pk])
        assert snapshot(issued) == before

    def test_an_orm_update_past_the_guard_is_refused_by_the_database(self, issued):
        before = snapshot(issued)
        with pytest.raises(IntegrityError, match="modification interdite"):
            self.unguarded_update(Invoice.objects.filter(pk=issued.pk), total_incl=Decimal("1.00"), total_excl=1)
        assert snapshot(issued) == before

    def test_a_raw_delete_of_an_issued_invoice_is_refused(self, issued):
        before = snapshot(issued)
        with pytest.raises(IntegrityError, match="ses lignes ne peuvent plus"):
            self.raw("DELETE FROM marketplace_invoiceline WHERE invoice_id = %s", [issued.pk])
        with pytest.raises(IntegrityError, match=f"Facture {issued.number} émise : suppression interdite"):
            self.raw("DELETE FROM marketplace_invoice WHERE id = %s", [issued.pk])
        assert snapshot(issued) == before

    def test_raw_changes_to_the_lines_of_an_issued_invoice_are_refused(self, issued, draft):
        before_issued, before_draft = snapshot(issued), snapshot(draft)
        line = issued.lines.first()
        with pytest.raises(IntegrityError, match=f"Facture {issued.number} émise : ses lignes"):
            self.raw("UPDATE marketplace_invoiceline SET total_incl = total_incl + 1 WHERE id = %s", [line.pk])
        with pytest.raises(IntegrityError, match="ses lignes"):
            # Copied from a line of the draft into the issued invoice.
            self.raw(
                "INSERT INTO marketplace_invoiceline (invoice_id, description, quantity, unit, unit_price_incl,"
                " unit_price_excl, vat_rate, vat_exemption_mention, revenue_account, is_goods, sap_eligible,"
                " total_excl, total_vat, total_incl) SELECT %s, description, quantity, unit, unit_price_incl,"
                " unit_price_excl, vat_rate, vat_exemption_mention, revenue_account, is_goods, sap_eligible,"
                " total_excl, total_vat, total_incl FROM marketplace_invoiceline WHERE invoice_id = %s",
                [issued.pk, draft.pk],
            )
        with pytest.raises(IntegrityError, match="ses lignes"):
            self.raw("UPDATE marketplace_invoiceline SET invoice_id = %s WHERE invoice_id = %s", [issued.pk, draft.pk])
        with pytest.raises(IntegrityError, match="ses lignes"):
            self.raw("UPDATE marketplace_invoiceline SET invoice_id = %s WHERE id = %s", [draft.pk, line.pk])
        with pytest.raises(IntegrityError, match="ses lignes"):
            self.unguarded_update(InvoiceLine.objects.filter(pk=line.pk), description="Autre")
        assert (snapshot(issued), snapshot(draft)) == (before_issued, before_draft)

    def test_the_pdf_column_may_still_be_written(self, issued):
        before = snapshot(issued)
        assert self.raw("UPDATE marketplace_invoice SET pdf = 'invoices/x.pdf' WHERE id = %s", [issued.pk]) == 1
        assert snapshot(issued) == ({**before[0], "pdf": "invoices/x.pdf"}, before[1])

    def test_a_draft_and_its_lines_stay_free(self, draft):
        self.raw("UPDATE marketplace_invoice SET buyer_name = 'Jeanne Roche' WHERE id = %s", [draft.pk])
        self.raw("UPDATE marketplace_invoiceline SET quantity = 4 WHERE invoice_id = %s", [draft.pk])
        assert (Invoice.objects.get(pk=draft.pk).buyer_name, set(draft.lines.values_list("quantity", flat=True))) == (
            "Jeanne Roche",
            {Decimal("4.000")},
        )
        assert self.raw("DELETE FROM marketplace_invoiceline WHERE invoice_id = %s", [draft.pk]) == 2
        assert self.raw("DELETE FROM marketplace_invoice WHERE id = %s", [draft.pk]) == 1
