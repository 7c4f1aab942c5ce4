"""What a customer needs to know to collect an order: when, where, and what to bring."""

from decimal import Decimal

from django.utils.translation import gettext as _

from hub import money
from marketplace.enums import FulfilmentStatus, PaymentMethod, PaymentStatus
from marketplace.models import Order


def what_to_bring(order: Order) -> list[str]:
    """The list shown on the « Merci » page, the order page and the e-mail (read from the order's
    shares: one cheque per seller, since each structure cashes its own)."""
    if order.fulfilment_status == FulfilmentStatus.CANCELLED or order.pickup_point_id is None:
        return []
    items = [
        _("La référence de la commande, %(reference)s (ce message ou l'écran suffit).") % {"reference": order.reference}
    ]
    if order.payment_status == PaymentStatus.UNPAID:
        shares = [share for share in order.shares.select_related("seller") if share.due > 0]
        due = sum((share.due for share in shares), Decimal("0"))
        if order.payment_method == PaymentMethod.CASH:
            items.append(_("Le montant en espèces : %(amount)s.") % {"amount": money.format_eur(due)})
        elif order.payment_method == PaymentMethod.CHEQUE:
            for share in shares:
                items.append(
                    _("Un chèque de %(amount)s à l'ordre de « %(payee)s ».")
                    % {"amount": money.format_eur(share.due), "payee": share.seller.name}
                )
    if order.lines.filter(is_goods=True).exists():
        items.append(_("Un sac ou un panier pour emporter vos produits."))
    return items
