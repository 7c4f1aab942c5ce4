"""Refusals of the selling workflows; `message` is French and shown as is (UI and API)."""

from django.utils.translation import gettext as _


class MarketplaceError(Exception):
    code = "refused"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidTransition(MarketplaceError):
    code = "invalid_transition"

    def __init__(self, *, field: str, current: str, target: str) -> None:
        super().__init__(
            _("Changement d'état impossible : de « %(current)s » à « %(target)s ».")
            % {"current": current, "target": target}
        )
        self.field, self.current, self.target = field, current, target


class ImmutableInvoice(MarketplaceError):
    code = "immutable_invoice"

    def __init__(self, number: str) -> None:
        super().__init__(
            _("La facture %(number)s est émise : elle ne peut plus être modifiée ni supprimée ; faites un avoir.")
            % {"number": number}
        )


class CartError(MarketplaceError):
    code = "cart_refused"


class OfferingUnavailable(CartError):
    code = "offering_unavailable"


class InsufficientStock(CartError):
    code = "insufficient_stock"


class CheckoutError(MarketplaceError):
    code = "checkout_refused"


class PaymentError(MarketplaceError):
    code = "payment_refused"


class RefundError(MarketplaceError):
    code = "refund_refused"
