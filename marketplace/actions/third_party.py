"""Third-party payment, the payer's side (ADR 0034): once a month, each payer's shares are billed on account.

A line partly paid by an organisation (`OrderLine.third_party`) is priced at the person's part; the payer's
part waits here. On the 1st, every share not yet billed — of an order confirmed and not cancelled, placed
before the month's end, whose quantity is known — goes on the payer's order of the month, one per payer and
selling structure, paid by transfer on the seller's terms (net 30): marketplace confirms it and the seller
issues its invoice. Each share is billed once (the one-to-one `third_party_billed_line`, under row locks), so
a run repeated, or a month missed and caught up by the next run, never bills twice.
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hub import money
from hub.enums import OrganisationRole
from hub.models import Organisation, OrganisationMembership
from marketplace.actions import settlement
from marketplace.actions.checkout import confirm_locked_order, new_reference
from marketplace.actions.invoicing import issue_credit_note
from marketplace.enums import FulfilmentStatus, PaymentMethod, PaymentStatus
from marketplace.models import Order, OrderLine

BILLED_STATUSES = [FulfilmentStatus.CONFIRMED, FulfilmentStatus.FULFILLED, FulfilmentStatus.CLOSED]
LINE_NAME_MAX_LENGTH = 150


def month_end(year: int, month: int) -> datetime.datetime:
    following = datetime.date(year + month // 12, month % 12 + 1, 1)
    return timezone.make_aware(datetime.datetime.combine(following, datetime.time.min))


def wholly_refunded() -> Q:
    """A line the customer was wholly refunded (a basket not delivered): its payer's share is not owed either."""
    return Q(total_incl__gt=0, refunded_amount__gte=F("total_incl"))


def shares_to_bill(*, before: datetime.datetime):
    """The shares of third parties still to bill, of orders placed before `before` (not of lines wholly refunded
    to the customer)."""
    return (
        OrderLine.objects.filter(
            third_party__isnull=False,
            third_party_billed_line__isnull=True,
            order__placed_at__lt=before,
            order__fulfilment_status__in=BILLED_STATUSES,
        )
        .filter(Q(quantity_measured_later=False) | Q(final_quantity__isnull=False))
        .exclude(wholly_refunded())
    )


def _contact(organisation: Organisation, fallback):
    """The order on account is placed in the name of the organisation's first admin (else the social
    worker who placed the last order it pays for, else its customer)."""
    admin = (
        OrganisationMembership.objects.filter(
            organisation=organisation, role=OrganisationRole.ADMIN, user__is_active=True
        )
        .order_by("pk")
        .values_list("user", flat=True)
        .first()
    )
    return admin or fallback


def _line_name(line: OrderLine) -> str:
    person = line.order.customer
    initial = (person.first_name[:1] + ". ") if person.first_name else ""
    who = f"{initial}{person.last_name}".strip() or line.order.billing_name
    return (_("%(name)s — prise en charge, commande %(reference)s (%(who)s)") % {
        "name": line.name, "reference": line.order.reference, "who": who,
    })[:LINE_NAME_MAX_LENGTH]  # fmt: skip


@transaction.atomic
def bill_third_party_shares(*, year: int, month: int, at: datetime.datetime | None = None) -> list[Order]:
    """Bill every payer's shares of orders placed up to the end of `month` (see the module's docstring)."""
    at = at or timezone.now()
    shares = list(
        shares_to_bill(before=month_end(year, month))
        .select_for_update(of=("self",))
        .select_related("order__customer", "third_party", "seller", "offering")
        .order_by("third_party_id", "seller_id", "order__placed_at", "pk")
    )
    groups: dict[tuple[int, int], list[OrderLine]] = defaultdict(list)
    for line in shares:
        if line.billed_quantity > 0:
            groups[(line.third_party_id, line.seller_id)].append(line)
    orders = []
    for (_payer_id, _seller_id), lines in sorted(groups.items()):
        payer = lines[0].third_party
        last = lines[-1].order
        values = []
        for line in lines:
            total_incl = money.line_total(line.third_party_unit_price, line.billed_quantity)
            total_excl, total_vat = money.split_incl(total_incl, line.vat_rate)
            values.append((line, total_incl, total_excl, total_vat))
        order = Order.objects.create(
            placed_at=at,
            reference=new_reference(),
            customer_id=_contact(payer, last.placed_by_id or last.customer_id),
            organisation=payer,
            payment_method=PaymentMethod.TRANSFER,
            billing_name=payer.name,
            billing_address="\n".join(payer.address_lines) or payer.name,
            billing_email=payer.email or last.billing_email,
            billing_siren=payer.siren,
            billing_vat_number=payer.vat_number,
            purchase_order_number=_("Prise en charge %(month)02d/%(year)s") % {"month": month, "year": year},
            total_excl=sum((v[2] for v in values), Decimal("0")),
            total_vat=sum((v[3] for v in values), Decimal("0")),
            total_incl=sum((v[1] for v in values), Decimal("0")),
        )
        billed = OrderLine.objects.bulk_create(
            [
                OrderLine(
                    order=order,
                    offering=line.offering,
                    seller=line.seller,
                    name=_line_name(line),
                    unit=line.unit,
                    quantity=line.billed_quantity,
                    unit_price=line.third_party_unit_price,
                    vat_rate=line.vat_rate,
                    vat_exemption_mention=line.vat_exemption_mention,
                    revenue_account=line.revenue_account,
                    is_goods=line.is_goods,
                    # No labour: the work is the person's line's (its jobs); no tax certificate either.
                    total_excl=total_excl,
                    total_vat=total_vat,
                    total_incl=total_incl,
                )
                for line, total_incl, total_excl, total_vat in values
            ]
        )
        for line, bill in zip(lines, billed, strict=True):
            OrderLine.objects.filter(pk=line.pk).update(third_party_billed_line=bill)
        settlement.open_shares(order=order)
        orders.append(confirm_locked_order(order=order, by=None, at=at))  # issues the seller's invoice
    return orders


def credit_billed_shares(*, order: Order, fractions: dict[int, Decimal] | None = None, at=None) -> list:
    """The customer's order was cancelled (`fractions` None: every share wholly) or some of its lines refunded
    ({order line id: the part of the line refunded, 0–1}) after their payers' shares were billed: each payer's
    invoice gets a credit note for the same part of its line, and its order owes that much less.

    Only while the payer's order is unpaid (billed on account, not yet settled); a payer who already paid is
    refunded by hand, as a customer would be (ADR 0034). Called inside the cancellation's or refund's
    transaction. Returns the credit notes."""
    covered = order.lines.filter(third_party_billed_line__isnull=False)
    if fractions is not None:
        covered = covered.filter(pk__in=list(fractions))
    credit_notes = []
    for line in covered.select_related("third_party_billed_line__invoice_line__invoice").order_by("pk"):
        billed = OrderLine.objects.select_for_update(of=("self",)).get(pk=line.third_party_billed_line_id)
        payer_order = Order.objects.select_for_update(of=("self",)).get(pk=billed.order_id)
        invoice_line = getattr(line.third_party_billed_line, "invoice_line", None)
        if invoice_line is None or payer_order.payment_status != PaymentStatus.UNPAID:
            continue
        left = billed.total_incl - billed.refunded_amount
        amount = left if fractions is None else min(left, money.quantize(billed.total_incl * fractions[line.pk]))
        if amount <= 0:
            continue
        credit_notes.append(issue_credit_note(invoice=invoice_line.invoice, amounts={invoice_line.pk: amount}, at=at))
        OrderLine.objects.filter(pk=billed.pk).update(refunded_amount=F("refunded_amount") + amount)
        settlement.refresh_owed(order=payer_order)
    return credit_notes
