"""Prepaid seasons (DOMAIN.md rule 12: 4191) and baskets handed over."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.money import quantize, split_incl
from marketplace import postings
from marketplace.enums import PaymentMethod
from subscriptions.enums import DeliveryStatus, SubscriptionPaymentMode
from subscriptions.exceptions import SubscriptionError
from subscriptions.models import DELIVERY_STATUS, Delivery, Subscription


def _customer(subscription: Subscription) -> tuple[str, str]:
    user = subscription.customer
    return f"C{user.pk:06d}", (user.get_full_name() or user.email)[:100]


@transaction.atomic
def record_prepaid_season_payment(
    *, subscription: Subscription, method: str, by=None, at: datetime.datetime | None = None
) -> Subscription:
    """The season paid upfront: goods' VAT is due at once, the rest waits on 4191 until each delivery."""
    at = at or timezone.now()
    subscription = (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("plan__offering__structure", "customer")
        .get(pk=subscription.pk)
    )
    if subscription.payment_mode != SubscriptionPaymentMode.PREPAID:
        raise SubscriptionError(_("Cet abonnement se paie à chaque livraison."))
    if subscription.prepaid_at is not None:
        return subscription  # already recorded (a retried call)
    if method not in PaymentMethod.values:
        raise SubscriptionError(_("Moyen de paiement inconnu."))
    plan = subscription.plan
    count = len(list(subscription.distribution_dates(start=subscription.start_date, end=plan.season_end)))
    amount = quantize(plan.price_per_delivery * count)
    postings.post_prepaid_season_payment(
        structure=plan.offering.structure,
        customer=_customer(subscription),
        amount_incl=amount,
        vat_rate=plan.offering.vat_rate,
        method=method,
        date=timezone.localdate(at),
        reference=subscription.reference,
        key=subscription.reference,
    )
    subscription.prepaid_at = at
    subscription.prepaid_amount = amount
    subscription.prepaid_deliveries = count
    subscription.save(update_fields=["prepaid_at", "prepaid_amount", "prepaid_deliveries"])
    return subscription


def _released_share(subscription: Subscription, delivered_before: int) -> Decimal:
    """Each delivery releases an equal share excl. VAT; the last one takes the rounding remainder."""
    excl, _vat = split_incl(subscription.prepaid_amount, subscription.plan.offering.vat_rate)
    share = quantize(excl / subscription.prepaid_deliveries)
    if delivered_before + 1 >= subscription.prepaid_deliveries:
        return excl - share * (subscription.prepaid_deliveries - 1)
    return share


@transaction.atomic
def mark_delivered(*, delivery: Delivery, by=None, at: datetime.datetime | None = None) -> Delivery:
    """The basket was handed over; for a prepaid season its share of the advance becomes revenue."""
    at = at or timezone.now()
    delivery = Delivery.objects.select_for_update(of=("self",)).get(pk=delivery.pk)
    if delivery.status == DeliveryStatus.DELIVERED:
        return delivery
    if delivery.status != DeliveryStatus.PLANNED:
        raise SubscriptionError(_("Seule une livraison prévue peut être remise."))
    subscription = Subscription.objects.select_related("plan__offering__structure", "customer").get(
        pk=delivery.subscription_id
    )
    if subscription.payment_mode == SubscriptionPaymentMode.PREPAID and subscription.prepaid_at:
        delivered_before = subscription.deliveries.filter(status=DeliveryStatus.DELIVERED).count()
        if delivered_before < subscription.prepaid_deliveries:
            postings.post_prepaid_delivery(
                structure=subscription.plan.offering.structure,
                customer=_customer(subscription),
                amount_excl=_released_share(subscription, delivered_before),
                revenue_account=subscription.plan.offering.revenue_account,
                date=timezone.localdate(at),
                reference=f"{subscription.reference}-{delivery.date:%Y%m%d}",
                key=f"{subscription.reference}-{delivery.pk}",
            )
    DELIVERY_STATUS.move(delivery, DeliveryStatus.DELIVERED, by=by, at=at)
    delivery.save(update_fields=DELIVERY_STATUS.fields_set(DeliveryStatus.DELIVERED))
    return delivery
