"""Refusals of the selling workflows; `message` is French and shown as is (UI and API)."""

from django.utils.translation import gettext as _

from hub import exceptions as hub_exceptions


class MarketplaceError(hub_exceptions.DomainError):
    code = "refused"


class InvalidTransition(MarketplaceError, hub_exceptions.InvalidTransition):
    code = "invalid_transition"


class ImmutableInvoice(MarketplaceError):
    code = "immutable_invoice"

    def __init__(self, number: str) -> None:
        super().__init__(
            _("La facture %(number)s est émise : elle ne peut plus être modifiée ni supprimée ; faites un avoir.")
            % {"number": number}
        )


class BackdatedInvoice(MarketplaceError):
    """An issue date earlier than the series' last one: numbers must follow dates (DOMAIN.md rule 8)."""

    code = "backdated_invoice"

    def __init__(self, *, series: str, issue_date, last_date) -> None:
        super().__init__(
            _(
                "Facture non émise : la série %(series)s a déjà une facture du %(last)s ; "
                "une facture ne peut être datée d'avant (%(date)s), ses numéros suivent l'ordre des dates."
            )
            % {"series": series, "last": last_date.strftime("%d/%m/%Y"), "date": issue_date.strftime("%d/%m/%Y")}
        )


class CartError(MarketplaceError):
    code = "cart_refused"


class OfferingUnavailable(CartError):
    code = "offering_unavailable"


class BookedNotBought(CartError):
    """An offering sold on a slot (a rental, a trip, a visit, a training seat): it goes through its booking page."""

    code = "book_instead"


class InsufficientStock(CartError):
    code = "insufficient_stock"


class CheckoutError(MarketplaceError):
    code = "checkout_refused"


class PaymentError(MarketplaceError):
    code = "payment_refused"


class RefundError(MarketplaceError):
    code = "refund_refused"


class DunningError(MarketplaceError):
    """A reminder or a penalty refused (already sent, not overdue, a resident's invoice…)."""

    code = "dunning_refused"
