"""The immediate advance's nightly check (registered in `SapConfig.ready()`, run by `reconcile_books`).

`urssaf_advance_matches_ledger` — what the URSSAF owes each structure (its payment requests validated by the
client, their payment recorded and not reversed, the transfer not yet received) equals the balance of
4371 « URSSAF - avance immédiate à recevoir » in that structure's books.
"""

from collections import defaultdict
from decimal import Decimal

from django.db.models import F, Sum
from django.utils.translation import gettext as _

from accounting.chart import URSSAF_ADVANCE_ACCOUNT
from accounting.reconciliation import Difference, register
from accounting.selectors import open_books_lines
from hub.models import Structure
from hub.money import format_eur, quantize
from marketplace.enums import PaymentState
from sap.models import PaymentRequest

ZERO = Decimal("0.00")


@register("urssaf_advance_matches_ledger", "Ce que l'URSSAF doit au titre de l'avance immédiate égale le compte 4371")
def urssaf_advance_matches_ledger() -> list[Difference]:
    expected: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for structure_id, amount in PaymentRequest.objects.filter(
        payment__state=PaymentState.SUCCEEDED, transfer_amount__isnull=True
    ).values_list("invoice__structure_id", "payment__amount"):
        expected[structure_id] += amount
    booked: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for structure_id, balance in (
        open_books_lines()
        .filter(account__code=URSSAF_ADVANCE_ACCOUNT[0])
        .values("entry__structure_id")
        .annotate(balance=Sum(F("debit") - F("credit")))
        .values_list("entry__structure_id", "balance")
    ):
        booked[structure_id] = quantize(balance)  # SQLite sums decimals as floats
    names = dict(Structure.objects.filter(pk__in=set(expected) | set(booked)).values_list("pk", "name"))
    return [
        Difference(
            check="urssaf_advance_matches_ledger",
            structure=names[structure_id],
            reference=URSSAF_ADVANCE_ACCOUNT[0],
            expected=expected[structure_id],
            actual=booked[structure_id],
            message=_(
                "Les demandes de paiement validées et non encore versées par l'URSSAF totalisent %(expected)s, "
                "le compte 4371 en porte %(actual)s."
            )
            % {"expected": format_eur(expected[structure_id]), "actual": format_eur(booked[structure_id])},
        )
        for structure_id in sorted(set(expected) | set(booked))
        if expected[structure_id] != booked[structure_id]
    ]
