"""What the marketplace holds about a person (RGPD export), and what it erases with the account.

Orders and invoices stay: invoices are kept ten years (Code de commerce L123-22) and snapshot the
buyer's name and address, so they do not depend on the account. The cart and the solidarity status
go.
"""

from marketplace.models import Cart, Invoice, Order, SolidarityStatus


def export(user) -> dict:
    orders = Order.objects.filter(customer=user).select_related("organisation").order_by("placed_at")
    return {
        "commandes": [
            {
                "reference": order.reference,
                "passee_le": order.placed_at.isoformat(),
                "pour": order.organisation.name if order.organisation else "moi",
                "etat": order.get_fulfilment_status_display(),
                "paiement": order.get_payment_status_display(),
                "moyen": order.get_payment_method_display(),
                "total_ttc": str(order.total_incl),
                "adresse_de_facturation": order.billing_address,
            }
            for order in orders
        ],
        "factures": list(
            Invoice.objects.issued().filter(customer=user).order_by("issued_at").values_list("number", flat=True)
        ),
        "statut_solidaire": [
            {"valable_jusqu_au": status.valid_until.isoformat()}
            for status in SolidarityStatus.objects.filter(user=user)
        ],
    }


def erase(user) -> None:
    Cart.objects.filter(user=user).delete()
    SolidarityStatus.objects.filter(user=user).delete()
