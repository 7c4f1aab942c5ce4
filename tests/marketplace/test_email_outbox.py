"""The e-mail outbox (hub.outbox) on a real checkout: a broker that is down costs the customer nothing
(the e-mails wait in the outbox, the sweep sends them once it is back), and an SMTP server that is down
is retried with backoff, then the e-mail is failed and listed for the hub admins."""

import datetime
import time

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from hub.enums import EmailState, StaffRole
from hub.models import OutboundEmail
from hub.outbox import send_outbound_email, sweep_outbox
from marketplace import notify as marketplace_notify
from marketplace.enums import OrderEmailKind
from marketplace.models import Cart, Order
from tests.accounts.factories import UserFactory
from tests.broker import broker_down, silent_broker
from tests.hub.factories import staff_of
from tests.marketplace.factories import OrderFactory

pytestmark = pytest.mark.django_db

CHECKOUT = {
    "buyer": "self",
    "billing_name": "Camille Martin",
    "billing_address": "4 rue des Tilleuls\n77140 Nemours",
    "payment_method": "cash",
    "accept_terms": "on",
}
FAILED_LIST = "/admin/hub/outboundemail/?state__exact=failed"


def _new_emails(before: set[int]) -> list[OutboundEmail]:
    return list(OutboundEmail.objects.exclude(pk__in=before).order_by("pk"))


@pytest.mark.parametrize("broker", [broker_down, silent_broker], ids=["refusing", "silent"])
def test_a_cash_checkout_with_the_broker_down_answers_at_once_and_its_emails_wait_in_the_outbox(
    broker, client, resident, basket, accueil, django_capture_on_commit_callbacks
):
    client.force_login(resident)
    client.post(reverse("marketplace:cart_add", args=[basket.pk]), {"quantity": "1"})
    before = set(OutboundEmail.objects.values_list("pk", flat=True))

    started = time.monotonic()
    # The commit's callbacks run inside the timed block: queueing the e-mails is part of the request.
    with broker(), django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("marketplace:checkout"), {**CHECKOUT, "pickup_point": accueil.pk})
    elapsed = time.monotonic() - started

    order = Order.objects.get(customer=resident)
    invoice = order.invoices.get()
    assert (response.status_code, response["Location"]) == (
        302,
        reverse("marketplace:order_thanks", args=[order.reference]),
    )
    # One connect timeout (2 s) at most, whatever the number of tasks the commit queues (4 here: two
    # e-mails, the bookings' and the deliveries' receivers): after one failure, the broker is paused.
    assert elapsed < 4, f"la commande a attendu le broker {elapsed:.1f} s"
    assert Cart.objects.get(user=resident).items.count() == 0
    emails = _new_emails(before)
    assert [(e.kind, e.payload, e.related, e.state, e.attempts) for e in emails] == [
        ("marketplace.order_email", {"args": [order.pk, "placed", ""]}, f"commande #{order.pk}", "pending", 0),
        ("marketplace.order_email", {"args": [order.pk, "invoice_ready", invoice.number]}, f"commande #{order.pk}",
         "pending", 0),
    ]  # fmt: skip
    assert mail.outbox == []

    # Not due yet: the task queued on commit has a minute to run before the sweep takes its row.
    assert sweep_outbox() == 0
    # The broker is back (eager in tests): the sweep queues them, each is sent once.
    assert sweep_outbox(at=timezone.now() + datetime.timedelta(minutes=2)) == 2
    assert [(m.subject, m.to) for m in mail.outbox] == [
        (f"[Pôle Économie Solidaire] Commande {order.reference} enregistrée", [resident.email]),
        (f"[Pôle Économie Solidaire] Vos factures pour la commande {order.reference}", [resident.email]),
    ]
    for email in emails:
        email.refresh_from_db()
    assert [(e.state, e.attempts, e.recipients, e.sent_at is not None) for e in emails] == [
        ("sent", 1, [resident.email], True),
        ("sent", 1, [resident.email], True),
    ]

    # Sent twice (a task delivered again, a second sweep): never a second e-mail.
    assert send_outbound_email(email_id=emails[0].pk) is None
    assert sweep_outbox(at=timezone.now() + datetime.timedelta(days=1)) == 0
    assert len(mail.outbox) == 2


def test_the_same_email_queued_twice_is_sent_once(resident, candle, django_capture_on_commit_callbacks):
    """The e-mail's own once-only row (OrderNotification) is written when it is sent: a second outbox
    row for the same e-mail (a webhook delivered twice) is left « sans objet »."""
    with django_capture_on_commit_callbacks(execute=True):
        order = OrderFactory(customer=resident, items=[(candle, "1")], card=True)
    before = set(OutboundEmail.objects.values_list("pk", flat=True))
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        marketplace_notify.order_email(order.pk, OrderEmailKind.PLACED)

    assert [(e.state, e.attempts, e.sent_at) for e in _new_emails(before)] == [(EmailState.SKIPPED, 1, None)]
    assert mail.outbox == []


def test_an_smtp_failure_is_retried_with_backoff_then_failed_and_listed_for_hub_admins(
    settings, client, resident, candle, grocer, django_capture_on_commit_callbacks
):
    # The real SMTP backend, against a port where nothing listens: the connection is refused.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    settings.OUTBOX_MAX_ATTEMPTS, settings.OUTBOX_RETRY_BASE_SECONDS = 3, 60
    before = set(OutboundEmail.objects.values_list("pk", flat=True))

    started = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        order = OrderFactory(customer=resident, items=[(candle, "1")], card=True)  # one e-mail: « enregistrée »
    ended = timezone.now()

    [email] = _new_emails(before)
    assert (email.state, email.attempts, email.sent_at, email.recipients) == ("pending", 1, None, [resident.email])
    assert email.last_error.startswith("ConnectionRefusedError")
    assert started + datetime.timedelta(seconds=60) <= email.next_attempt_at <= ended + datetime.timedelta(seconds=60)
    assert order.notifications.count() == 0  # its once-only row went with the failed attempt

    # The sweep retries it once due: 2 minutes later for the 2nd failure (exponential), then failed.
    assert sweep_outbox(at=email.next_attempt_at - datetime.timedelta(seconds=1)) == 0
    second_at = timezone.now()
    assert sweep_outbox(at=email.next_attempt_at) == 1
    email.refresh_from_db()
    assert (email.state, email.attempts) == ("pending", 2)
    assert email.next_attempt_at >= second_at + datetime.timedelta(seconds=120)
    assert sweep_outbox(at=email.next_attempt_at) == 1
    email.refresh_from_db()
    assert (email.state, email.attempts) == ("failed", 3)
    assert sweep_outbox(at=timezone.now() + datetime.timedelta(days=365)) == 0
    assert mail.outbox == []

    # Listed for the hub admins, with a way to send it again once the SMTP server is back …
    client.force_login(UserFactory(hub_admin=True))
    page = client.get(FAILED_LIST)
    html = page.content.decode()
    assert page.status_code == 200
    assert f"commande #{order.pk}" in html
    assert f"Commande {order.reference} enregistrée" in html
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(FAILED_LIST, {"action": "send_again", "_selected_action": [email.pk]})
    assert response.status_code == 302
    email.refresh_from_db()
    assert (email.state, email.attempts) == ("sent", 1)
    assert [(m.subject, m.to) for m in mail.outbox] == [
        (f"[Pôle Économie Solidaire] Commande {order.reference} enregistrée", [resident.email])
    ]

    # … and to nobody else: the recipients are personal data.
    client.force_login(staff_of(grocer, role=StaffRole.MANAGER))
    assert client.get(FAILED_LIST).status_code == 403
