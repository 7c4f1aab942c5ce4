"""Property: whatever happens to orders, the books stay balanced, gapless, and 411 tells what is unpaid."""

from decimal import Decimal

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounting.models import Entry
from accounting.selectors import open_books_lines
from hub.models import Structure
from marketplace.actions.payments import record_offline_payment
from marketplace.actions.refunds import cancel_order, refund_order
from marketplace.actions.settlement import owed_by_seller
from marketplace.exceptions import MarketplaceError
from marketplace.models import Payment, Refund, StripeTransfer
from tests.accounts.factories import UserFactory
from tests.marketplace.factories import OrderFactory
from tests.services.factories import OfferingFactory

pytestmark = pytest.mark.django_db

ITEMS = ["basket", "tea", "duvet", "code_session", "scooter", "juice"]
steps = st.lists(
    st.tuples(
        st.dictionaries(st.sampled_from(ITEMS), st.integers(1, 3), min_size=1, max_size=3),
        st.sampled_from(["cash", "cheque"]),
        st.sampled_from(["nothing", "pay", "pay_then_refund_part", "pay_then_refund_all", "cancel"]),
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps)
def test_books_stay_right_whatever_happens(request, grocer, accueil, steps):
    admin = UserFactory(hub_admin=True)
    customer = UserFactory()
    catalogue = {name: request.getfixturevalue(name) for name in ("basket", "duvet", "code_session")}
    # Stock enough for every example of the run: running out is not what this test is about.
    catalogue["tea"] = OfferingFactory(structure=grocer, name="Thé vert bio (100 g)", price=Decimal("4.60"), stock=500)
    catalogue["scooter"] = OfferingFactory(
        mobility=True, name="Location de scooter à la journée", price=Decimal("6.00")
    )
    catalogue["juice"] = OfferingFactory(structure=grocer, name="Jus de pomme local (1 L)", price=Decimal("3.20"))
    for items, method, fate in steps:
        order = OrderFactory(
            customer=customer,
            items=[(catalogue[name], str(quantity)) for name, quantity in items.items()],
            payment_method=method,
            pickup_point=accueil,
        )
        if fate == "cancel":
            cancel_order(order=order, by=admin)
            continue
        if fate == "nothing":
            continue
        for structure_id, due in owed_by_seller(order).items():
            record_offline_payment(order=order, structure=Structure.objects.get(pk=structure_id), method=method,
                                   amount=due, by=admin, cheque_number="1" if method == "cheque" else "")  # fmt: skip
        if fate == "pay_then_refund_part":
            line = order.lines.first()
            refund_order(order=order, by=admin, amounts={line.pk: (line.total_incl / 3).quantize(Decimal("0.01"))})
        elif fate == "pay_then_refund_all":
            refund_order(order=order, by=admin)
        try:
            cancel_order(order=order, by=admin)  # a paid order is never cancelled
        except MarketplaceError:
            pass
        else:
            raise AssertionError("a paid order was cancelled")

    for entry in Entry.objects.prefetch_related("lines"):
        assert sum(line.debit for line in entry.lines.all()) == sum(line.credit for line in entry.lines.all())
    for structure_id, journal_id, fiscal_year_id in Entry.objects.values_list(
        "structure", "journal", "fiscal_year"
    ).distinct():
        numbers = sorted(
            Entry.objects.filter(structure=structure_id, journal=journal_id, fiscal_year=fiscal_year_id).values_list(
                "number", flat=True
            )
        )
        assert numbers == list(range(1, len(numbers) + 1))
    for structure in Structure.objects.sellers():
        # What 411 holds today: a closed year's balance is carried forward by the next year's à-nouveaux.
        ledger = (
            open_books_lines()
            .filter(entry__structure=structure, account__code="411")
            .aggregate(d=Sum("debit"), c=Sum("credit"))
        )
        invoiced = sum(
            (-i.total_incl if i.kind == "credit_note" else i.total_incl)  # invoices and deposit invoices
            for i in structure.invoices.issued().filter(buyer_structure__isnull=True)
        )
        # A credit kept and used on a later order is no money received: it moved from 411 to 411.
        received = (
            Payment.objects.filter(received_by=structure, state="succeeded")
            .exclude(method="credit")
            .aggregate(t=Sum("amount"))["t"]
            or 0
        )
        # A mixed card order is received by the Collectif, then passed on to each seller by a transfer.
        received += StripeTransfer.objects.filter(structure=structure).aggregate(t=Sum("amount"))["t"] or 0
        refunded = Refund.objects.filter(structure=structure).aggregate(t=Sum("amount"))["t"] or 0
        assert (ledger["d"] or 0) - (ledger["c"] or 0) == invoiced - received + refunded, structure.slug
