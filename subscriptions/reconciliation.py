"""The nightly check of prepaid seasons against the books (registered in `SubscriptionsConfig.ready()`).

For each subscription with a paid season, its 4191 balance (under the subscription's reference, in the
seller's books) must equal its paid baskets neither delivered nor credited, excl. VAT.
"""

from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext as _

from accounting.chart import ADVANCE_ACCOUNT
from accounting.reconciliation import Difference, register
from accounting.selectors import open_books_lines
from hub.formatting import euros
from marketplace.enums import PaymentStatus
from subscriptions.models import SeasonAdvance

ZERO = Decimal("0.00")


@register("advances", "Acomptes des saisons payées d'avance (4191)")
def advances() -> Iterator[Difference]:
    """Each prepaid subscription whose 4191 balance differs from its undelivered, not-credited baskets."""
    expected: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
    names: dict[int, str] = {}
    paid = SeasonAdvance.objects.filter(
        order__payment_status__in=[PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED]
    ).select_related("subscription__plan__offering__structure")
    for advance in paid:
        structure = advance.subscription.plan.offering.structure
        names[structure.pk] = structure.name
        expected[(structure.pk, advance.subscription.reference)] += advance.expected_balance
    booked = {
        (row["entry__structure_id"], row["auxiliary_code"]): (row["credit"] or ZERO) - (row["debit"] or ZERO)
        for row in open_books_lines()
        .filter(account__code=ADVANCE_ACCOUNT, auxiliary_code__startswith="ABO-")
        .values("entry__structure_id", "auxiliary_code")
        .annotate(credit=Sum("credit"), debit=Sum("debit"))
    }
    for key in sorted(set(expected) | set(booked)):
        want, have = expected.get(key, ZERO), booked.get(key, ZERO)
        if want != have:
            structure_id, reference = key
            yield Difference(
                check="advances",
                structure=names.get(structure_id, str(structure_id)),
                reference=reference,
                expected=want,
                actual=have,
                message=_(
                    "Le compte 4191 de l'abonnement %(reference)s porte %(booked)s ; ses paniers payés "
                    "d'avance ni livrés ni crédités valent %(expected)s HT."
                )
                % {"reference": reference, "booked": euros(have), "expected": euros(want)},
            )
