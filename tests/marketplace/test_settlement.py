"""The settlement flow: one share per seller, kept by the settlement actions, read by screens and postings."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounting.chart import VAT_ACCOUNTS, VAT_ON_RECEIPTS_ACCOUNT
from accounting.models import EntryLine
from hub.enums import StaffRole
from marketplace.actions.cart import add_to_cart
from marketplace.actions.checkout import Billing, place_order
from marketplace.actions.payments import record_offline_payment
from marketplace.actions.settlement import owed_by_seller
from marketplace.enums import PaymentMethod, PaymentStatus
from marketplace.exceptions import PaymentError
from marketplace.models import Cart, OrderShare, PaymentAllocation
from services.enums import OfferingKind, RevenueAccount, Unit
from tests.accounts.factories import UserFactory
from tests.hub.factories import SiteFactory, StructureFactory, StructureRoleFactory
from tests.services.factories import OfferingFactory

D = Decimal
pytestmark = pytest.mark.django_db


def _order(*items, method=PaymentMethod.CASH, at=None):
    """An order placed through the real checkout, for a resident, of {offering: quantity}."""
    user = UserFactory()
    cart = Cart.objects.create(user=user)
    for offering, quantity in items:
        add_to_cart(cart=cart, offering=offering, quantity=D(quantity))
    return place_order(
        user=user,
        cart=cart,
        payment_method=method,
        billing=Billing(name="Ada Martin", address="4 rue des Tilleuls\n77140 Nemours", email=user.email),
        organisation=None,
        pickup_point=SiteFactory(pickup_point=True),
        at=at,
    )


def _staff(structure):
    user = UserFactory()
    StructureRoleFactory(user=user, structure=structure, role=StaffRole.MANAGER)
    return user


def _training(structure, price="60.00"):
    """A service sold at 20 % VAT: its VAT is due as it is paid."""
    return OfferingFactory(
        structure=structure,
        kind=OfferingKind.TRAINING,
        unit=Unit.SESSION,
        price=D(price),
        revenue_account=RevenueAccount.TRAINING,
        taxed=True,
    )


def test_a_new_order_has_one_share_per_seller_owing_its_lines():
    garden, shop = StructureFactory(), StructureFactory()
    order = _order((OfferingFactory(structure=garden, price=D("17.00")), "2"), (OfferingFactory(structure=shop), "1"))

    shares = {share.seller_id: share for share in order.shares.all()}

    assert {seller: (s.owed, s.received, s.refunded, s.disputed) for seller, s in shares.items()} == {
        garden.pk: (D("34.00"), D("0.00"), D("0.00"), D("0.00")),
        shop.pk: (D("10.00"), D("0.00"), D("0.00"), D("0.00")),
    }
    assert owed_by_seller(order) == {garden.pk: D("34.00"), shop.pk: D("10.00")}


def test_offline_payments_reach_their_sellers_share_and_the_order_is_paid_when_every_share_is():
    garden, shop = StructureFactory(), StructureFactory()
    order = _order((OfferingFactory(structure=garden, price=D("17.00")), "1"), (OfferingFactory(structure=shop), "1"))

    record_offline_payment(
        order=order, structure=garden, method=PaymentMethod.CASH, amount=D("17.00"), by=_staff(garden)
    )
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.UNPAID
    assert [(s.seller_id, s.paid, s.due) for s in order.shares.order_by("seller_id")] == [
        (garden.pk, D("17.00"), D("0.00")),
        (shop.pk, D("0.00"), D("10.00")),
    ]

    record_offline_payment(order=order, structure=shop, method=PaymentMethod.CHEQUE, amount=D("10.00"),
                           by=_staff(shop), cheque_number="1234567")  # fmt: skip
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PAID
    assert all(share.is_settled for share in order.shares.all())


def test_more_than_a_share_still_owes_is_refused_and_nothing_is_written():
    garden = StructureFactory()
    order = _order((OfferingFactory(structure=garden, price=D("17.00")), "1"))

    with pytest.raises(PaymentError, match="reste dû .* 17,00\u00a0€"):
        record_offline_payment(
            order=order, structure=garden, method=PaymentMethod.CASH, amount=D("17.01"), by=_staff(garden)
        )

    share = order.shares.get()
    assert (share.received, PaymentAllocation.objects.filter(share=share).count()) == (D("0.00"), 0)
    assert order.payments.count() == 0


def test_services_vat_is_due_pro_rata_of_each_part_payment():
    school = StructureFactory(liable=True)
    order = _order((_training(school), "1"))  # 60,00 € incl. 10,00 € of VAT, invoiced at confirmation
    staff = _staff(school)
    vat_account = VAT_ACCOUNTS["20.00"]

    def moved() -> Decimal:
        lines = EntryLine.objects.filter(entry__structure=school, account__code=vat_account, entry__journal__code="OD")
        return sum((line.credit - line.debit for line in lines), D("0"))

    assert moved() == D("0")
    record_offline_payment(order=order, structure=school, method=PaymentMethod.CASH, amount=D("20.70"), by=staff)
    assert moved() == D("3.45")  # 20,70 / 60,00 of the 10,00 € of VAT, in the month it was received
    record_offline_payment(order=order, structure=school, method=PaymentMethod.CASH, amount=D("39.30"), by=staff)
    assert moved() == D("10.00")
    on_receipts = EntryLine.objects.filter(entry__structure=school, account__code=VAT_ON_RECEIPTS_ACCOUNT)
    assert sum((line.credit - line.debit for line in on_receipts), D("0")) == D("0")


def test_shares_read_by_the_handover_page(client):
    garden, shop = StructureFactory(), StructureFactory()
    order = _order((OfferingFactory(structure=garden, price=D("17.00")), "1"), (OfferingFactory(structure=shop), "1"))
    staff = _staff(garden)
    record_offline_payment(order=order, structure=garden, method=PaymentMethod.CASH, amount=D("17.00"), by=staff)
    client.force_login(staff)

    page = client.get(reverse("marketplace:handover", args=[order.reference])).content.decode()
    page = page.replace("\xa0", " ").replace("\u202f", " ")  # amounts keep their unit on the same line

    assert "Dû : 17,00 € — encaissé : 17,00 € — reste : 0,00 €" in page
    # The other seller's share is theirs (ADR 0012); a hub admin sees both.
    assert "Dû : 10,00 €" not in page
    assert OrderShare.objects.filter(order=order).count() == 2
    client.force_login(UserFactory(hub_admin=True))
    page = client.get(reverse("marketplace:handover", args=[order.reference])).content.decode()
    page = page.replace("\xa0", " ").replace("\u202f", " ")
    assert "Dû : 17,00 € — encaissé : 17,00 € — reste : 0,00 €" in page
    assert "Dû : 10,00 € — encaissé : 0,00 € — reste : 10,00 €" in page


def test_vat_page_shows_services_vat_due_in_the_month_of_each_part_payment(client):
    """CGI 269-2-c: 20,70 € received on 20/11 makes 3,45 € due in November, the rest on 02/12 in December;
    the accountant's VAT page reads those months from the ledger."""
    school = StructureFactory(liable=True)
    tz = timezone.get_current_timezone()
    order = _order((_training(school), "1"), at=datetime.datetime(2026, 11, 10, 10, tzinfo=tz))
    staff = _staff(school)
    for day, amount in ((datetime.datetime(2026, 11, 20, 15, tzinfo=tz), "20.70"), (datetime.datetime(2026, 12, 2, 9, tzinfo=tz), "39.30")):  # fmt: skip
        record_offline_payment(
            order=order, structure=school, method=PaymentMethod.CHEQUE, amount=D(amount), by=staff, at=day,
            cheque_number="1234567",
        )  # fmt: skip
    client.force_login(StructureRoleFactory(structure=school, role=StaffRole.ACCOUNTANT).user)

    response = client.get(reverse("accounting:vat", args=[school.slug]), {"exercice": "2026"})

    vat = response.context["vat"]
    assert vat.accounts == [(VAT_ACCOUNTS["20.00"], "TVA collectée 20 %")]
    months = {row["month"].month: (row["amounts"], row["pending_change"], row["pending_end"]) for row in vat.rows}
    assert months[10] == ([D("0.00")], D("0.00"), D("0.00"))
    assert months[11] == ([D("3.45")], D("6.55"), D("6.55"))  # 10,00 invoiced, 3,45 made due
    assert months[12] == ([D("6.55")], D("-6.55"), D("0.00"))
    assert vat.total == D("10.00")
    lines = b"".join(client.get(reverse("accounting:vat", args=[school.slug]), {"format": "csv"}).streaming_content)
    assert "11/2026;3,45;3,45;6,55;6,55" in lines.decode("utf-8-sig")
