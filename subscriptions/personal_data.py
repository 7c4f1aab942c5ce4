"""What subscriptions hold about a person (RGPD export): their subscriptions and their places on
waiting lists. They end when the account closes (`subscriptions.actions.account`, on `account_closing`)."""

from django.utils import timezone

from subscriptions.models import Subscription, WaitingListEntry


def export(user) -> dict:
    subscriptions = (
        Subscription.objects.filter(customer=user)
        .select_related("plan__offering__structure", "pickup_point")
        .order_by("created_at", "pk")
    )
    entries = (
        WaitingListEntry.objects.filter(customer=user)
        .select_related("plan__offering", "pickup_point")
        .order_by("created_at", "pk")
    )
    return {
        "abonnements": [
            {
                "reference": subscription.reference,
                "panier": subscription.plan.offering.name,
                "taille": subscription.plan.size_label,
                "structure": subscription.plan.offering.structure.name,
                "point_de_retrait": subscription.pickup_point.name,
                "a_partir_du": subscription.start_date.isoformat(),
                "etat": subscription.get_status_display(),
                "paiement": subscription.get_payment_mode_display(),
                "resilie_le": timezone.localtime(subscription.cancelled_at).isoformat()
                if subscription.cancelled_at
                else None,
            }
            for subscription in subscriptions
        ],
        "listes_d_attente": [
            {
                "panier": entry.plan.offering.name,
                "taille": entry.plan.size_label,
                "point_de_retrait": entry.pickup_point.name,
                "etat": entry.get_status_display(),
                "inscrit_le": timezone.localtime(entry.created_at).isoformat(),
            }
            for entry in entries
        ],
    }
