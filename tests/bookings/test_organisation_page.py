"""An organisation's page for its members: bookings, invoices (PDF through the permission-checked view),
statement with the running balance, outstanding total. Nobody else sees it."""

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from bookings.statements import organisation_statement, outstanding_balance
from marketplace.actions.payments import record_offline_payment
from marketplace.actions.refunds import refund_order
from marketplace.models import Invoice
from tests.accounts.factories import UserFactory
from tests.bookings.factories import (
    WED,
    BillingOrganisationFactory,
    BookableOfferingFactory,
    BookingFactory,
    at,
    next_weekday,
)
from tests.hub.factories import OrganisationMembershipFactory, StructureRoleFactory

pytestmark = pytest.mark.django_db


def _account():
    """A crèche whose treasurer booked two seats (12,00 € each, by transfer: invoiced at once); the first
    is paid on 5 March."""
    creche = BillingOrganisationFactory(name="Crèche Les P'tits Loups")
    treasurer = OrganisationMembershipFactory(organisation=creche, admin=True).user
    session = BookableOfferingFactory()
    first = BookingFactory(offering=session, user=treasurer, organisation=creche)
    second = BookingFactory(offering=session, user=treasurer, organisation=creche, starts_at=at(7, 10))
    manager = StructureRoleFactory(structure=session.structure, manager=True).user
    record_offline_payment(
        order=first.order_line.order,
        structure=session.structure,
        method="transfer",
        amount=Decimal("12.00"),
        by=manager,
        at=at(5, 15),
    )
    return creche, treasurer, manager, first.order_line.order, second.order_line.order


def test_outstanding_is_invoiced_less_paid():
    creche, _treasurer, _manager, _paid, _unpaid = _account()

    statement = organisation_statement(creche)

    assert [(entry.debit, entry.credit, entry.balance) for entry in statement.entries] == [
        (Decimal("12.00"), Decimal("0.00"), Decimal("12.00")),
        (Decimal("12.00"), Decimal("0.00"), Decimal("24.00")),
        (Decimal("0.00"), Decimal("12.00"), Decimal("12.00")),
    ]
    assert [entry.label for entry in statement.entries][2] == "Paiement reçu (virement à réception de facture)"
    assert (statement.opening_balance, outstanding_balance(creche)) == (Decimal("0.00"), Decimal("12.00"))


def test_a_refund_and_its_credit_note_leave_the_balance_as_it_was():
    creche, _treasurer, manager, paid, _unpaid = _account()

    refund_order(order=paid, by=manager, reason="Séance annulée par le centre")

    kinds = [(entry.label.split(" ")[0], entry.debit, entry.credit) for entry in organisation_statement(creche).entries]
    assert sorted(kinds[3:]) == [
        ("Avoir", Decimal("0.00"), Decimal("12.00")),
        ("Remboursement", Decimal("12.00"), Decimal("0.00")),
    ]
    assert outstanding_balance(creche) == Decimal("12.00")


def test_a_period_brings_the_earlier_balance_forward():
    creche, *_rest = _account()
    later = timezone.localdate() + datetime.timedelta(days=1)

    statement = organisation_statement(creche, start=later, end=later + datetime.timedelta(days=30))

    assert (statement.opening_balance, statement.entries, statement.closing_balance) == (
        Decimal("12.00"),
        [],
        Decimal("12.00"),
    )


def test_the_treasurer_sees_invoices_and_the_outstanding_total(client, django_assert_num_queries):
    creche, treasurer, *_rest = _account()
    coming = BookingFactory(
        offering=BookableOfferingFactory(name="Initiation à l'informatique"),
        user=treasurer,
        organisation=creche,
        starts_at=next_weekday(WED, 14, weeks=2),
        at=timezone.now(),
    )
    client.force_login(treasurer)
    url = reverse("bookings:organisation", args=[creche.slug])
    client.get(url)

    # session, user, organisation, memberships (the check), bookings, invoices, then the statement's
    # invoices, payments and refunds
    with django_assert_num_queries(9):
        response = client.get(url)

    html = response.content.decode()
    numbers = list(Invoice.objects.filter(organisation=creche).values_list("number", flat=True))
    assert response.status_code == 200
    assert 'id="outstanding">24,00\u00a0€' in html  # 3 × 12,00 € invoiced, 12,00 € paid
    assert len(numbers) == 3
    for number in numbers:
        assert reverse("marketplace:invoice_pdf", args=[number]) in html
    assert html.count("Initiation à l&#x27;informatique") == 1  # the booking to come (March's are past)
    assert coming.starts_at.strftime("%Y") in html


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("member", 200),
        ("treasurer", 200),
        ("hub_admin", 200),
        ("other_organisation_member", 404),
        ("resident", 404),
    ],
)
def test_only_members_and_hub_admins_open_the_page_and_the_statement(client, who, status):
    creche, treasurer, *_rest = _account()
    people = {
        "member": lambda: OrganisationMembershipFactory(organisation=creche).user,
        "treasurer": lambda: treasurer,
        "hub_admin": lambda: UserFactory(hub_admin=True),
        "other_organisation_member": lambda: OrganisationMembershipFactory(admin=True).user,
        "resident": UserFactory,
    }
    client.force_login(people[who]())

    page = client.get(reverse("bookings:organisation", args=[creche.slug]))
    statement = client.get(reverse("bookings:organisation_statement", args=[creche.slug]))

    assert (page.status_code, statement.status_code) == (status, status)


def test_anonymous_is_sent_to_log_in(client):
    creche, *_rest = _account()

    response = client.get(reverse("bookings:organisation", args=[creche.slug]))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_statement_page_and_pdf(client):
    creche, treasurer, *_rest = _account()
    client.force_login(treasurer)
    url = reverse("bookings:organisation_statement", args=[creche.slug])
    period = {"du": "2026-01-01", "au": (timezone.localdate()).isoformat()}

    page = client.get(url, period)
    pdf = client.get(url, {**period, "format": "pdf"})
    content = b"".join(pdf.streaming_content)  # rendered by a task (eager here), served from storage

    assert 'id="closing-balance">12,00\u00a0€' in page.content.decode()
    assert (pdf.status_code, pdf["Content-Type"]) == (200, "application/pdf")
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages).split())
    assert "Relevé de compte" in text
    assert "Crèche Les P'tits Loups" in text


def test_a_reversed_period_or_a_bad_date_changes_nothing_and_says_why(client):
    creche, treasurer, *_rest = _account()
    client.force_login(treasurer)
    url = reverse("bookings:organisation_statement", args=[creche.slug])

    reversed_period = client.get(url, {"du": "2026-03-10", "au": "2026-03-01"}, follow=True)
    bad = client.get(url, {"du": "2026-02-30"})

    assert "La fin de la période précède son début." in reversed_period.content.decode()
    assert bad.status_code == 400


def test_my_organisations_goes_to_the_only_one(client):
    creche, treasurer, *_rest = _account()
    client.force_login(treasurer)

    response = client.get(reverse("bookings:organisations"))

    assert (response.status_code, response.url) == (302, reverse("bookings:organisation", args=[creche.slug]))


def test_a_prescribers_social_worker_does_not_see_its_bookings_as_their_own():
    """Membership of a customer organisation shows its bookings; membership of a prescriber (a CCAS, whose
    social workers do not book for it) shows none of them."""
    from bookings.models import Booking
    from hub.models import Organisation

    creche = BillingOrganisationFactory(name="Crèche d'essai")
    ccas = BillingOrganisationFactory(name="CCAS d'essai")
    member = OrganisationMembershipFactory(organisation=creche).user
    OrganisationMembershipFactory(organisation=ccas, user=member)
    session = BookableOfferingFactory()
    for_creche = BookingFactory(offering=session, user=member, organisation=creche)
    for_ccas = BookingFactory(offering=session, user=member, organisation=ccas, starts_at=at(7, 10))
    assert set(Booking.objects.visible_to(member)) == {for_creche, for_ccas}

    Organisation.objects.filter(pk=ccas.pk).update(prescriber_kind="ccas")

    assert list(Booking.objects.visible_to(member)) == [for_creche]
