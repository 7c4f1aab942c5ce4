"""The read checks of the attack run kept as a regression matrix, on the demo hub: every private page,
document and endpoint is requested by every role. The owner (or the staff the page is for) opens it;
anyone else gets the login page (anonymous), a 403 or a 404 — and never the other person's data.

Write checks (wrong-role POSTs) live with each app's tests; this walks the reads."""

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking, CalendarFeed
from insertion.models import Job, Worker
from marketplace.models import Invoice, Order
from subscriptions.models import Subscription

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "resident@demo.pole.test",
    "abonne01@demo.pole.test",
    "asso@demo.pole.test",
    "encadrant@demo.pole.test",
    "compta@demo.pole.test",
    "admin@demo.pole.test",
]
RESIDENT, OTHER_RESIDENT, ASSO, SUPERVISOR, ACCOUNTANT, ADMIN = ROLES[1:]
CUSTOMERS = {RESIDENT, OTHER_RESIDENT, ASSO}


def _login(client, role):
    if role != "anonymous":
        from django.contrib.auth import get_user_model

        client.force_login(get_user_model().objects.get(email=role))
    return client


def _refused(response, role) -> bool:
    if response.status_code == 302 and response["Location"].startswith("/admin/login/"):
        return True  # the admin site's own login, for anyone not staff
    if role == "anonymous":
        if response.status_code in (401, 403, 404):
            return True
        return response.status_code == 302 and response["Location"].startswith("/auth/login/")
    return response.status_code in (403, 404)


@pytest.fixture
def owned(demo_hub):
    """What the demo's resident owns, and a worker of the Jardins (the supervisor's structure)."""
    order = Order.objects.filter(customer__email=RESIDENT).order_by("pk").first()
    invoice = Invoice.objects.issued().filter(order=order).order_by("pk").first()
    booking = Booking.objects.filter(customer__email=RESIDENT).order_by("pk").first()
    subscription = Subscription.objects.filter(customer__email=OTHER_RESIDENT).order_by("pk").first()
    worker = Worker.objects.filter(structure__slug="jardins-du-pole").order_by("pk").first()
    assert None not in (order, invoice, booking, subscription, worker), "the demo hub changed"
    return {"order": order, "invoice": invoice, "booking": booking, "subscription": subscription, "worker": worker}


def _cases(owned):
    """(url, who may open it, who must be refused)."""
    order, invoice, booking = owned["order"], owned["invoice"], owned["booking"]
    worker = owned["worker"]
    today = timezone.localdate()
    week = "{}-W{:02d}".format(*today.isocalendar()[:2])
    not_customers = [ASSO, OTHER_RESIDENT, "anonymous"]
    staff_only = ["anonymous", RESIDENT, OTHER_RESIDENT, ASSO]
    return [
        (reverse("marketplace:order", args=[order.reference]), [RESIDENT], not_customers),
        (reverse("marketplace:order_thanks", args=[order.reference]), [RESIDENT], not_customers),
        (reverse("marketplace:order_status", args=[order.reference]), [RESIDENT], not_customers),
        (reverse("marketplace:invoice_pdf", args=[invoice.number]), [RESIDENT, ACCOUNTANT], not_customers),
        (f"/api/v1/orders/{order.reference}/", [RESIDENT], not_customers),
        (f"/api/v1/orders/{order.reference}/invoices/", [RESIDENT], not_customers),
        (reverse("bookings:reschedule", args=[booking.pk]), [RESIDENT], not_customers),
        (reverse("subscriptions:mine"), [OTHER_RESIDENT], ["anonymous"]),
        (reverse("marketplace:staff_orders"), [ADMIN], staff_only),
        (reverse("marketplace:handover", args=[order.reference]), [ADMIN], staff_only),
        (reverse("marketplace:cheques"), [], staff_only),
        (reverse("marketplace:cash_up"), [], staff_only),
        (reverse("marketplace:stripe_events"), [ACCOUNTANT, ADMIN], staff_only + [SUPERVISOR]),
        (reverse("accounting:index"), [ACCOUNTANT, ADMIN], staff_only + [SUPERVISOR]),
        (reverse("accounting:ledger", args=["jardins-du-pole"]), [ACCOUNTANT, ADMIN], staff_only + [SUPERVISOR]),
        ("/api/v1/accounting/jardins-du-pole/entries/", [ACCOUNTANT], staff_only + [SUPERVISOR]),
        # The accountant reads names and hours only (payroll): see the test below.
        (reverse("insertion:workers", args=["jardins-du-pole"]), [SUPERVISOR, ACCOUNTANT], staff_only),
        (reverse("insertion:worker", args=["jardins-du-pole", worker.pk]), [SUPERVISOR, ACCOUNTANT], staff_only),
        ("/api/v1/insertion/workers/", [SUPERVISOR], ["anonymous", RESIDENT, OTHER_RESIDENT, ASSO]),
        (f"/api/v1/insertion/workers/{worker.pk}/", [SUPERVISOR, ACCOUNTANT], staff_only),
        (reverse("subscriptions:pick_list"), [SUPERVISOR], staff_only),
        (reverse("bookings:laundry_week"), [], staff_only),
        (reverse("bookings:ical", args=["not-a-token"]), [], ROLES),
        (reverse("accounts:export"), [RESIDENT, ASSO], ["anonymous"]),
        ("/api/v1/bookings/", [RESIDENT], ["anonymous"]),
        ("/api/v1/subscriptions/", [OTHER_RESIDENT], ["anonymous"]),
        (reverse("marketplace:pickup_day"), [ADMIN], staff_only),
        (reverse("accounting:reconciliation"), [ACCOUNTANT, ADMIN], staff_only + [SUPERVISOR]),
        *[
            (reverse(f"accounting:{name}", args=["jardins-du-pole"]), [ACCOUNTANT, ADMIN], staff_only + [SUPERVISOR])
            for name in ("structure", "journal", "trial_balance", "customers", "revenue", "vat", "manual_entry")
        ],
        (reverse("accounting:fec", args=["jardins-du-pole", today.year]), [ACCOUNTANT], staff_only + [SUPERVISOR]),
        *[
            (f"/api/v1/accounting/jardins-du-pole/{name}", [ACCOUNTANT], staff_only + [SUPERVISOR])
            for name in ("trial-balance/", f"fec/?year={today.year}")
        ],
        (reverse("insertion:board", args=["jardins-du-pole", week]), [SUPERVISOR], staff_only + [ACCOUNTANT]),
        (
            reverse(
                "insertion:picker",
                args=["jardins-du-pole", Job.objects.filter(structure__slug="jardins-du-pole").earliest("pk").pk],
            ),
            [SUPERVISOR],
            staff_only + [ACCOUNTANT],
        ),
        (reverse("insertion:timesheet", args=["jardins-du-pole", today.isoformat()]), [SUPERVISOR], staff_only),
        (
            reverse("insertion:hours", args=["jardins-du-pole", today.year, today.month]),
            [SUPERVISOR, ACCOUNTANT],
            staff_only,
        ),
        *[
            (f"/api/v1/insertion/{name}/", [SUPERVISOR], ["anonymous", RESIDENT, OTHER_RESIDENT, ASSO])
            for name in ("teams", "jobs", "timesheets")
        ],
        # The monthly IAE return and the exits carry PASS IAE numbers and absences: not for the accountant.
        (
            reverse("insertion:iae_return", args=["jardins-du-pole", today.year, today.month]),
            [SUPERVISOR],
            staff_only + [ACCOUNTANT],
        ),
        (reverse("insertion:exits", args=["jardins-du-pole"]), [SUPERVISOR], staff_only + [ACCOUNTANT]),
        (
            f"/api/v1/insertion/iae-return/?structure=jardins-du-pole&month={today:%Y-%m}",
            [SUPERVISOR],
            staff_only + [ACCOUNTANT],
        ),
        ("/admin/", [ADMIN], ["anonymous", RESIDENT, OTHER_RESIDENT, ASSO]),
    ]


def test_every_private_page_opens_for_its_people_and_for_no_one_else(client, owned):
    seen = []
    for url, allowed, refused in _cases(owned):
        for role in ROLES:
            if role not in allowed and role not in refused:
                continue
            client.logout()
            response = _login(client, role).get(url)
            if response.streaming:  # a document: read to its end, which closes its file
                b"".join(response.streaming_content)
            ok = response.status_code in (200, 202) if role in allowed else _refused(response, role)
            seen.append((url, role, response.status_code, ok))
    wrong = [(url, role, status) for url, role, status, ok in seen if not ok]
    assert wrong == []
    assert len(seen) >= 100


def test_a_customer_list_shows_only_ones_own(client, owned):
    """The lists (HTML and API) of one resident never carry another's order references."""
    mine = set(Order.objects.filter(customer__email=RESIDENT).values_list("reference", flat=True))
    others = set(Order.objects.exclude(customer__email=RESIDENT).values_list("reference", flat=True)[:200])
    assert mine
    assert others
    _login(client, RESIDENT)
    page = client.get(reverse("marketplace:orders")).content.decode()
    api = client.get("/api/v1/orders/").content.decode()
    assert [ref for ref in others if ref in page or ref in api] == []
    assert [ref for ref in mine if ref not in page] == []


def test_a_calendar_feed_serves_its_owner_s_bookings_only(client, owned):
    feed, _created = CalendarFeed.objects.get_or_create(user=owned["booking"].customer)
    response = client.get(reverse("bookings:ical", args=[feed.token]))
    assert response.status_code == 200
    body = response.content.decode()
    other = Booking.objects.exclude(customer=owned["booking"].customer).exclude(address="").first()
    if other is not None:
        assert other.address not in body


def test_the_accountant_reads_workers_names_and_hours_never_their_contact_or_pass(client, owned):
    worker = owned["worker"]
    private = [value for value in (worker.email, worker.phone) if value]
    private += list(worker.approvals.values_list("number", flat=True))
    assert private, "the demo worker has contact details and a PASS IAE"
    urls = [
        reverse("insertion:workers", args=["jardins-du-pole"]),
        reverse("insertion:worker", args=["jardins-du-pole", worker.pk]),
        f"/api/v1/insertion/workers/{worker.pk}/",
    ]
    _login(client, ACCOUNTANT)
    for url in urls:
        body = client.get(url).content.decode()
        assert worker.last_name in body, url
        assert [value for value in private if value in body] == [], url
    client.logout()
    _login(client, SUPERVISOR)
    body = client.get(urls[1]).content.decode()  # the supervisor does see the contact (so this test can fail)
    assert [value for value in (worker.email, worker.phone) if value and value not in body] == []
