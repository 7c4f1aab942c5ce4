from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class FulfilmentStatus(models.TextChoices):
    PLACED = "placed", _("Passée")
    CONFIRMED = "confirmed", _("Confirmée")
    FULFILLED = "fulfilled", _("Servie")
    CLOSED = "closed", _("Clôturée")
    CANCELLED = "cancelled", _("Annulée")


class PaymentStatus(models.TextChoices):
    UNPAID = "unpaid", _("À payer")
    PAID = "paid", _("Payée")
    PARTIALLY_REFUNDED = "partially_refunded", _("Remboursée en partie")
    REFUNDED = "refunded", _("Remboursée")


class PaymentMethod(models.TextChoices):
    CARD = "card", _("Carte bancaire")
    CASH = "cash", _("Espèces au retrait")
    CHEQUE = "cheque", _("Chèque au retrait")
    TRANSFER = "transfer", _("Virement à réception de facture")
    CESU = "cesu", _("CESU")
    SEPA = "sepa", _("Prélèvement SEPA")
    # The Département pays part of a home service directly (APA, PCH): recorded by staff like a transfer.
    APA_PCH = "apa_pch", _("Aide APA/PCH du Département")
    # Services à la personne: the URSSAF pays the whole invoice (immediate tax-credit advance) and debits the
    # client's half itself; recorded when the client validates the payment request (sap.advance).
    URSSAF = "urssaf", _("Avance immédiate (URSSAF)")
    # A credit the customer holds with the seller (a credit note kept, not refunded): no bank movement.
    CREDIT = "credit", _("Avoir déduit")

    @classmethod
    def pay_later(cls) -> set[str]:
        """Methods whose order is confirmed at placement (DOMAIN.md rule 6)."""
        return {cls.CASH, cls.CHEQUE, cls.TRANSFER, cls.CESU, cls.URSSAF}


class InvoicePaymentMethod(models.TextChoices):
    """How an invoice without an order is paid: the member structures and businesses pay by transfer or cheque."""

    TRANSFER = "transfer", _("Virement")
    CHEQUE = "cheque", _("Chèque")


class PaymentState(models.TextChoices):
    PENDING = "pending", _("En attente")
    SUCCEEDED = "succeeded", _("Encaissé")
    FAILED = "failed", _("Échoué")
    # A SEPA debit rejected by the bank after it was recorded: kept, never deleted.
    REVERSED = "reversed", _("Rejeté après encaissement")


class DisputeStatus(models.TextChoices):
    """Where a card dispute (chargeback) stands, as Stripe reports it, simplified."""

    OPEN = "open", _("Litige en cours")
    WON = "won", _("Litige gagné")
    LOST = "lost", _("Litige perdu")
    CLOSED = "closed", _("Demande close sans litige")


class RefundState(models.TextChoices):
    PENDING = "pending", _("En attente de Stripe")
    SUCCEEDED = "succeeded", _("Remboursé")


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", _("Facture")
    CREDIT_NOTE = "credit_note", _("Avoir")
    # An advance received before delivery (a prepaid season of baskets): excl. VAT on 4191.
    DEPOSIT = "deposit", _("Facture d'acompte")


class OperationCategory(models.TextChoices):
    GOODS = "goods", _("Livraison de biens")
    SERVICES = "services", _("Prestation de services")
    MIXED = "mixed", _("Livraison de biens et prestation de services")


class AllocationMethod(models.TextChoices):
    """How the Collectif's monthly shared-services amount is shared among its members."""

    FIXED_SHARES = "fixed", _("Parts fixes")
    TURNOVER = "turnover", _("Part du chiffre d'affaires du mois")


class OrderEmailKind(StrEnum):
    """The e-mails a customer receives about an order, each sent once per order (and key).

    Internal names (the templates are `marketplace/email/<kind>_subject.txt` and `_body.txt`),
    never shown to anyone: no labels to translate.
    """

    PLACED = "placed"
    PAID = "paid"
    INVOICE_READY = "invoice_ready"
    PAYMENT_FAILED = "payment_failed"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


class DunningKind(models.TextChoices):
    """The tone of a reminder: a friendly word, a firmer second one, then a formal notice (mise en demeure)."""

    FRIENDLY = "friendly", _("Relance amiable")
    SECOND = "second", _("Deuxième relance")
    FORMAL_NOTICE = "formal", _("Mise en demeure")


class DunningPauseReason(models.TextChoices):
    DISPUTE = "dispute", _("Litige")
    PAYMENT_PLAN = "plan", _("Échéancier de paiement")
    OTHER = "other", _("Autre")
