"""Prepaid seasons (DOMAIN.md rule 12): the season is an order paid like any other; once paid, the
seller issues a deposit invoice (facture d'acompte) that holds its excl. VAT on 4191 under the
subscription's reference (goods: the VAT is due on the deposit); each basket handed over moves its
share to 70x; each basket skipped or cancelled in time is credited (a credit note on the deposit
invoice), then paid back or kept for the next season, as the resident chooses.

Invariant, checked nightly by `subscriptions.reconciliation`: the 4191 balance of a subscription is
its paid baskets neither delivered nor credited, excl. VAT.
"""

import datetime
import logging
from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from marketplace import postings
from marketplace.actions.checkout import Billing, place_order_for_items
from marketplace.actions.invoicing import issue_credit_note
from marketplace.actions.payments import apply_customer_credit, record_offline_payment
from marketplace.actions.refunds import refund_order
from marketplace.enums import FulfilmentStatus, InvoiceKind, PaymentMethod, PaymentStatus
from marketplace.exceptions import MarketplaceError
from marketplace.models import Invoice, InvoiceLine
from subscriptions.enums import SEASON_PAYMENT_METHODS, DeliveryStatus, PrepaidCreditChoice, SubscriptionPaymentMode
from subscriptions.exceptions import DeliveryNotDue, SubscriptionError
from subscriptions.models import DELIVERY_STATUS, Delivery, SeasonAdvance, Subscription

logger = logging.getLogger(__name__)


def current_advance(subscription: Subscription) -> SeasonAdvance | None:
    """The latest season order of this subscription that still counts (not cancelled), if any."""
    return _season_advances(subscription).order_by("-season_start", "-pk").first()


def _season_advances(subscription: Subscription):
    return (
        SeasonAdvance.objects.select_related("order")
        .filter(subscription=subscription)
        .exclude(order__fulfilment_status=FulfilmentStatus.CANCELLED)
    )


def place_new_season_orders(*, today: datetime.date | None = None) -> int:
    """Daily: each live prepaid subscription whose plan opened a new season (or whose season order was
    cancelled unpaid) gets that season's order, payable at the pickup point; a credit kept from the
    last season pays it first. Idempotent. Returns how many orders were placed."""
    today = today or timezone.localdate()
    live_season = SeasonAdvance.objects.filter(
        subscription=OuterRef("pk"), season_end=OuterRef("plan__season_end")
    ).exclude(order__fulfilment_status=FulfilmentStatus.CANCELLED)
    due = (
        Subscription.objects.live()
        .filter(payment_mode=SubscriptionPaymentMode.PREPAID, plan__season_end__gte=today)
        .exclude(Exists(live_season))
        .order_by("pk")
    )
    placed = 0
    for subscription in due:
        try:
            place_season_order(subscription=subscription)
        except SubscriptionError:
            logger.warning("No season order for %s: refused by the checkout.", subscription.reference)
            continue
        placed += 1
    return placed


def paid_advance(subscription: Subscription, *, lock: bool = False) -> SeasonAdvance | None:
    advances = SeasonAdvance.objects.filter(
        subscription=subscription, order__payment_status__in=[PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED]
    )
    if lock:
        advances = advances.select_for_update(of=("self",))
    return advances.select_related("order").order_by("-season_start", "-pk").first()


@transaction.atomic
def place_season_order(
    *, subscription: Subscription, payment_method: str = PaymentMethod.CHEQUE, at: datetime.datetime | None = None
) -> SeasonAdvance:
    """The season of a prepaid subscription becomes an order: its baskets from the subscription's start
    to the season's end, at the plan's price per delivery. It is paid like any order (card on its pay
    page, or cash or cheque recorded by staff); the deposit invoice is issued once it is paid.

    Idempotent: a subscription has one live season order (a cancelled one, e.g. an abandoned card
    payment, is replaced).
    """
    at = at or timezone.now()
    subscription = (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("plan__offering__structure", "customer", "pickup_point")
        .get(pk=subscription.pk)
    )
    if subscription.payment_mode != SubscriptionPaymentMode.PREPAID:
        raise SubscriptionError(_("Cet abonnement se paie à chaque livraison."))
    if payment_method not in SEASON_PAYMENT_METHODS:
        raise SubscriptionError(_("Une saison se paie par carte, par chèque ou en espèces."))
    plan = subscription.plan
    if (existing := _season_advances(subscription).filter(season_end=plan.season_end).first()) is not None:
        return existing
    baskets = len(list(subscription.distribution_dates(start=subscription.start_date, end=plan.season_end)))
    if baskets == 0:
        raise SubscriptionError(_("Il ne reste aucune livraison dans cette saison."))
    user = subscription.customer
    try:
        order = place_order_for_items(
            user=user,
            items=[(plan.offering, Decimal(baskets))],
            payment_method=payment_method,
            billing=Billing(
                name=user.get_full_name() or user.email, address=subscription.pickup_point.name, email=user.email
            ),
            pickup_point=subscription.pickup_point,
            at=at,
            advance_reference=subscription.reference,
        )
    except MarketplaceError as refusal:
        raise SubscriptionError(refusal.message) from refusal
    advance = SeasonAdvance.objects.create(
        subscription=subscription,
        order=order,
        season_start=max(subscription.start_date, plan.season_start),
        season_end=plan.season_end,
        baskets=baskets,
        amount_incl=order.total_incl,
        amount_excl=order.total_excl,
        created_at=at,
    )
    _use_kept_credit(advance, at=at)
    return advance


def kept_credit(*, customer, structure) -> tuple[Decimal, str]:
    """What a resident kept as credit with a seller from earlier seasons and has not used yet, and the
    last credit note it comes from."""
    advances = SeasonAdvance.objects.filter(
        subscription__customer=customer, subscription__plan__offering__structure=structure
    )
    credit = sum((a.credit_kept - a.credit_used for a in advances), Decimal("0"))
    source = (
        Invoice.objects.filter(order__season_advance__in=advances, kind=InvoiceKind.CREDIT_NOTE)
        .exclude(number="")
        .order_by("-sequence")
        .values_list("number", flat=True)
        .first()
    )
    return credit, source or ""


def _use_kept_credit(advance: SeasonAdvance, *, at: datetime.datetime) -> None:
    """A credit kept from an earlier season pays this season's order first (no bank movement)."""
    subscription = advance.subscription
    structure = subscription.plan.offering.structure
    credit, source = kept_credit(customer=subscription.customer, structure=structure)
    amount = min(credit, advance.amount_incl)
    if amount <= 0:
        return
    apply_customer_credit(order=advance.order, structure=structure, amount=amount, source=source, at=at)
    SeasonAdvance.objects.filter(pk=advance.pk).update(credit_used=F("credit_used") + amount)
    advance.refresh_from_db()


@transaction.atomic
def record_prepaid_season_payment(
    *,
    subscription: Subscription,
    method: str,
    by,
    at: datetime.datetime | None = None,
    cheque_number: str = "",
    cheque_bank: str = "",
) -> SeasonAdvance:
    """Staff record the season paid at a pickup point (cash or cheque) or by bank transfer: a payment of
    the season order like any other (`record_offline_payment`), which issues the deposit invoice.

    A season already paid is left as it is (a retried call)."""
    advance = current_advance(subscription) or place_season_order(subscription=subscription, at=at)
    order = advance.order
    if order.payment_status != PaymentStatus.UNPAID:
        return advance
    structure = subscription.plan.offering.structure
    share = order.shares.get(seller=structure)
    try:
        record_offline_payment(
            order=order,
            structure=structure,
            method=method,
            amount=share.due,
            by=by,
            site=subscription.pickup_point,
            cheque_number=cheque_number or (f"{order.reference}" if method == PaymentMethod.CHEQUE else ""),
            cheque_bank=cheque_bank,
            at=at,
        )
    except MarketplaceError as refusal:
        raise SubscriptionError(refusal.message) from refusal
    advance.refresh_from_db()
    return advance


def _customer_name(subscription: Subscription) -> str:
    user = subscription.customer
    return (user.get_full_name() or user.email)[:100]


@transaction.atomic
def mark_delivered(*, delivery: Delivery, by=None, at: datetime.datetime | None = None) -> Delivery:
    """The basket was handed over; for a paid prepaid season its share of the advance becomes revenue
    (D 4191 / C 70x, excl. VAT; the season's last basket takes the rounding remainder).

    Not before the delivery's day (the day itself is fine): a basket cannot be handed over in advance.
    """
    at = at or timezone.now()
    delivery = Delivery.objects.select_for_update(of=("self",)).get(pk=delivery.pk)
    if delivery.status == DeliveryStatus.DELIVERED:
        return delivery
    if delivery.status != DeliveryStatus.PLANNED:
        raise SubscriptionError(_("Seule une livraison prévue peut être remise."))
    if timezone.localdate(at) < delivery.date:
        raise DeliveryNotDue(
            _("Le panier du %(date)s ne peut pas être remis avant ce jour-là.")
            % {"date": date_format(delivery.date, "l j F Y")}
        )
    subscription = Subscription.objects.select_related("plan__offering__structure", "customer").get(
        pk=delivery.subscription_id
    )
    if subscription.payment_mode == SubscriptionPaymentMode.PREPAID:
        advance = paid_advance(subscription, lock=True)
        if advance is not None and advance.remaining > 0:
            offering = subscription.plan.offering
            postings.post_prepaid_delivery(
                structure=offering.structure,
                customer=(subscription.reference, _customer_name(subscription)),
                amount_excl=advance.share_excl(1),
                revenue_account=advance.order.lines.values_list("revenue_account", flat=True).first()
                or offering.revenue_account,
                date=timezone.localdate(at),
                reference=f"{subscription.reference}-{delivery.date:%Y%m%d}",
                key=f"{subscription.reference}-{delivery.pk}",
            )
            SeasonAdvance.objects.filter(pk=advance.pk).update(delivered=F("delivered") + 1)
    DELIVERY_STATUS.move(delivery, DeliveryStatus.DELIVERED, by=by, at=at)
    delivery.save(update_fields=DELIVERY_STATUS.fields_set(DeliveryStatus.DELIVERED))
    return delivery


def credit_baskets(
    *,
    subscription: Subscription,
    count: int,
    choice: str,
    by=None,
    reason: str,
    at: datetime.datetime | None = None,
) -> SeasonAdvance | None:
    """`count` prepaid baskets will not be delivered (skipped, or the subscription cancelled, in time):
    a credit note on the deposit invoice takes their share off 4191 and their VAT off 4457x (D 4191 /
    D 4457x / C 411); then the money is paid back (card through Stripe, otherwise by bank transfer:
    D 411 / C clearing or 512) or kept on 411 as a credit for the next season, as the resident chose.

    Called inside the skip or cancellation's transaction (the subscription row is locked). Nothing
    happens for a season not paid yet: there is nothing to credit.
    """
    if choice not in PrepaidCreditChoice.values:
        raise SubscriptionError(_("Choisissez un remboursement ou un avoir pour la saison suivante."))
    advance = paid_advance(subscription, lock=True)
    if advance is None or count <= 0:
        return advance
    count = min(count, advance.remaining)
    if count == 0:
        return advance
    invoice_line = (
        InvoiceLine.objects.select_related("invoice", "invoiced_line")
        .filter(invoice__order_id=advance.order_id, invoice__kind=InvoiceKind.DEPOSIT, invoiced_line__isnull=False)
        .get()
    )
    # Each basket gives back its share of what was paid and of what sits on 4191, the last one what is
    # left of both: crediting a whole season in parts gives back exactly its amount and its VAT.
    amount_incl, amount_excl = advance.share_incl(count), advance.share_excl(count)
    try:
        if choice == PrepaidCreditChoice.REFUND:
            refund_order(
                order=advance.order,
                by=by or subscription.customer,
                amounts={invoice_line.invoiced_line_id: amount_incl},
                reason=reason,
                granted_by_terms=True,
                excl_amounts={invoice_line.invoiced_line_id: amount_excl},
            )
        else:
            issue_credit_note(
                invoice=invoice_line.invoice,
                amounts={invoice_line.pk: amount_incl},
                at=at,
                excl_amounts={invoice_line.pk: amount_excl},
            )
    except MarketplaceError as refusal:
        raise SubscriptionError(refusal.message) from refusal
    kept = amount_incl if choice == PrepaidCreditChoice.CREDIT else Decimal("0")
    SeasonAdvance.objects.filter(pk=advance.pk).update(
        credited=F("credited") + count, credit_kept=F("credit_kept") + kept
    )
    advance.refresh_from_db()
    return advance


def baskets_still_to_deliver(subscription: Subscription, advance: SeasonAdvance, *, before: datetime.date) -> int:
    """Planned deliveries of the season before `before` (past their cut-off: they still happen)."""
    return subscription.deliveries.filter(
        status=DeliveryStatus.PLANNED, date__gte=advance.season_start, date__lt=before, date__lte=advance.season_end
    ).count()
