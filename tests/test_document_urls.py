"""Every document the project hands out (PDF, CSV, FEC, calendar feed, RGPD export) is downloaded
anonymously, as another customer and as its owner: only the owner gets the bytes.

The list is checked against the URLconf: a route that ends in a file extension and has no case
here fails the test, so a new document URL cannot ship without its permission check tested.
"""

import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.actions import create_api_token
from bookings.models import CalendarFeed
from hub.enums import StaffRole
from tests.accounting.factories import StructureFactory as BooksStructureFactory
from tests.accounting.test_pages import post_small_ledger
from tests.accounts.factories import UserFactory
from tests.bookings.factories import BookableOfferingFactory
from tests.hub.factories import SiteFactory, StructureRoleFactory
from tests.marketplace.factories import CustomerFactory, OrderFactory
from tests.services.factories import OfferingFactory
from tests.subscriptions.factories import SubscriptionFactory, SubscriptionPlanFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings(
        "ignore:unclosed file <_io.BufferedReader name='.*/weasyprint/pdf/sRGB2014.icc'>:ResourceWarning"
    ),
]


@dataclass
class Document:
    url: str
    owner: object  # who may download it (None: the URL itself is the credential)
    marker: bytes  # found in the owner's download, never in anyone else's answer


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _invoice(settings, tmp_path) -> Document:
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    resident = CustomerFactory()
    invoice = OrderFactory(customer=resident, items=[(OfferingFactory(taxed=True), "1")]).invoices.get()
    return Document(reverse("marketplace:invoice_pdf", args=[invoice.number]), resident, b"%PDF-")


def _credit_note(settings, tmp_path) -> Document:
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    resident = CustomerFactory()
    order = OrderFactory(customer=resident, items=[(OfferingFactory(taxed=True), "1")], paid=True, refunded=True)
    credit_note = order.invoices.get(kind="credit_note")
    return Document(reverse("marketplace:invoice_pdf", args=[credit_note.number]), resident, b"%PDF-")


def _api_invoice(settings, tmp_path) -> Document:
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    resident = CustomerFactory()
    invoice = OrderFactory(customer=resident, items=[(OfferingFactory(taxed=True), "1")]).invoices.get()
    return Document(reverse("api:invoice-pdf", args=[invoice.number]), resident, b"%PDF-")


def _sap_quote(settings, tmp_path) -> Document:
    housework = BookableOfferingFactory(home_visit=True)
    owner = UserFactory(first_name="Zéphyrine", last_name="Quotepersonne")
    url = reverse("bookings:sap_quote", args=[housework.slug]) + "?heures=2&interventions=4"
    return Document(url, owner, b"%PDF-")


def _calendar_feed(settings, tmp_path) -> Document:
    feed = CalendarFeed.objects.create(user=UserFactory())
    return Document(reverse("bookings:ical", args=[feed.token]), None, b"BEGIN:VCALENDAR")


def _pick_list(fmt: str) -> Callable:
    def build(settings, tmp_path) -> Document:
        today = timezone.localdate()
        plan = SubscriptionPlanFactory(
            season_start=today, season_end=today + datetime.timedelta(days=120), weekday=(today.weekday() + 3) % 7
        )
        point = SiteFactory(pickup_point=True)
        subscription = SubscriptionFactory(
            plan=plan, user=UserFactory(last_name="Panierpersonne"), pickup_point=point, start_date=today, today=today
        )
        day = subscription.deliveries.order_by("date").first().date
        staff = StructureRoleFactory(structure=plan.offering.structure, role=StaffRole.SUPERVISOR).user
        url = f"{reverse('subscriptions:pick_list')}?pickup_point={point.pk}&day={day.isoformat()}&format={fmt}"
        return Document(url, staff, b"%PDF-" if fmt == "pdf" else b"Panierpersonne")

    return build


def _books(name: str, **kwargs) -> Callable:
    def build(settings, tmp_path) -> Document:
        structure = BooksStructureFactory(books=datetime.date(2025, 6, 1))
        post_small_ledger(structure)
        accountant = StructureRoleFactory(structure=structure, role=StaffRole.ACCOUNTANT).user
        url = reverse(f"accounting:{name}", kwargs={"slug": structure.slug, **kwargs})
        if name in {"revenue", "vat"}:  # a fiscal year's months
            return Document(f"{url}?format=csv", accountant, b"01/2025")
        if name != "fec":
            url += "?format=csv&du=2025-01-01&au=2025-12-31"
        return Document(url, accountant, b"411" if name == "trial_balance" else b"C0002")

    return build


def _hours(settings, tmp_path) -> Document:
    structure = BooksStructureFactory()
    manager = StructureRoleFactory(structure=structure, role=StaffRole.MANAGER).user
    today = timezone.localdate()
    url = reverse("insertion:hours", args=[structure.slug, today.year, today.month]) + "?format=csv"
    return Document(url, manager, b"Total structure")


def _impact(name: str, marker: bytes):
    def document(settings, tmp_path) -> Document:
        settings.PRIVATE_MEDIA_ROOT = tmp_path
        structure = BooksStructureFactory()
        manager = StructureRoleFactory(structure=structure, role=StaffRole.MANAGER).user
        url = reverse(f"impact:{name}") + f"?structure={structure.slug}&annee={timezone.localdate().year}"
        return Document(url, manager, marker)

    return document


def _personal_data(settings, tmp_path) -> Document:
    owner = UserFactory(email="exportpersonne@exemple.test")
    return Document(reverse("accounts:export"), owner, b"exportpersonne@exemple.test")


DOCUMENTS = {
    "invoice PDF": _invoice,
    "credit note PDF": _credit_note,
    "invoice PDF (API)": _api_invoice,
    "SAP quote PDF": _sap_quote,
    "calendar feed": _calendar_feed,
    "pick list PDF": _pick_list("pdf"),
    "pick list CSV": _pick_list("csv"),
    "FEC": _books("fec", year=2025),
    "journal CSV": _books("journal"),
    "ledger CSV": _books("ledger"),
    "trial balance CSV": _books("trial_balance"),
    "customers CSV": _books("customers"),
    "revenue CSV": _books("revenue"),
    "VAT CSV": _books("vat"),
    "hours CSV": _hours,
    "personal data export": _personal_data,
    "impact CSV": _impact("dashboard_csv", b"Chiffre d'affaires HT"),
    "impact PDF": _impact("dashboard_pdf", b"%PDF-"),
}
# The URL names above whose route ends in a file extension (the others are documents by `?format=`).
ROUTES_WITH_AN_EXTENSION = {
    "marketplace:invoice_pdf", "bookings:sap_quote", "bookings:ical", "impact:dashboard_csv", "impact:dashboard_pdf",
}  # fmt: skip


def _named_routes(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _named_routes(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name}", str(pattern.pattern)


def test_every_route_serving_a_file_has_a_case_here():
    with_extension = {
        name
        for name, route in _named_routes(get_resolver().url_patterns)
        if route.rstrip("$").rsplit("/", 1)[-1].rsplit(".", 1)[-1] in {"pdf", "csv", "ics", "xml", "json", "txt"}
        and "." in route.rsplit("/", 1)[-1]
    }
    assert with_extension == ROUTES_WITH_AN_EXTENSION


@pytest.mark.parametrize("kind", DOCUMENTS)
def test_only_its_owner_downloads_a_document(client, settings, tmp_path, kind):
    document = DOCUMENTS[kind](settings, tmp_path)
    is_api = document.url.startswith("/api/")

    anonymous = client.get(document.url)
    if document.owner is None:  # the URL is the credential: a wrong one finds nothing
        wrong = client.get(document.url.replace(document.url.rsplit("/", 1)[-1], "pas-un-jeton.ics"))
        assert wrong.status_code == 404
        assert document.marker not in _body(wrong)
    elif is_api:
        assert anonymous.status_code == 401
    elif anonymous.status_code == 302:
        assert anonymous["Location"].startswith(reverse("account_login"))
    else:  # staff pages do not tell a visitor they exist
        assert anonymous.status_code == 404
    if document.owner is not None:
        assert document.marker not in _body(anonymous)

        stranger = CustomerFactory()
        if is_api:
            other = client.get(
                document.url, HTTP_AUTHORIZATION=f"Token {create_api_token(user=stranger, name='essai')[1]}"
            )
        else:
            client.force_login(stranger)
            other = client.get(document.url)
        if kind in {"SAP quote PDF", "personal data export"}:
            # Built for whoever asks: the stranger gets their own, never the owner's.
            body = _body(other)
            assert other.status_code == 200
            assert b"Quotepersonne" not in body
            assert b"exportpersonne" not in body
            if kind == "personal data export":
                assert json.loads(body)["profil"]["email"] == stranger.email
        else:
            assert other.status_code == 404
            assert document.marker not in _body(other)
        client.logout()

    if document.owner is not None:
        if is_api:
            key = create_api_token(user=document.owner, name="essai")[1]
            mine = client.get(document.url, HTTP_AUTHORIZATION=f"Token {key}")
        else:
            client.force_login(document.owner)
            mine = client.get(document.url)
    else:
        mine = client.get(document.url)
    assert mine.status_code == 200
    assert document.marker in _body(mine)
    if kind == "SAP quote PDF":
        assert mine["Content-Type"] == "application/pdf"
