"""The local fake Stripe server, driven through the real `stripe` library only.

Rules 5–7 of DOMAIN.md: destination charge for a single-structure order, one platform charge and
one transfer per structure for a mixed order, refunds reverse the matching transfer.
"""

import http.server
import json
import queue
import shutil
import subprocess
import threading
import time
import urllib.request
import uuid

import pytest
import stripe

from tests import stripe_fixtures
from tests.stripe_fixtures import localstripe  # noqa: F401


@pytest.fixture(autouse=True)
def _stripe_on_localstripe(localstripe):  # noqa: F811
    with stripe_fixtures.stripe_settings(localstripe.url):
        yield


@pytest.fixture
def jardins():
    return stripe.Account.create(type="express", country="FR", metadata={"structure": "jardins"})


@pytest.fixture
def comptoir():
    return stripe.Account.create(type="custom", country="FR", metadata={"structure": "comptoir"})


def paid_destination_charge(account, amount=5000, fee=250, **extra):
    intent = stripe.PaymentIntent.create(
        amount=amount,
        currency="eur",
        payment_method_types=["card"],
        on_behalf_of=account.id,
        transfer_data={"destination": account.id},
        application_fee_amount=fee,
        **extra,
    )
    return stripe.PaymentIntent.confirm(intent.id, payment_method="pm_card_visa")


def test_connected_accounts_are_created_retrieved_and_listed(jardins, comptoir):
    assert jardins.id.startswith("acct_")
    assert (jardins.type, comptoir.type) == ("express", "custom")
    assert jardins.charges_enabled is True
    assert jardins.payouts_enabled is True
    assert jardins.capabilities.to_dict() == {"card_payments": "active", "transfers": "active"}

    again = stripe.Account.retrieve(jardins.id)
    assert again.id == jardins.id
    assert again.metadata.to_dict() == {"structure": "jardins"}
    listed = [account.id for account in stripe.Account.list(limit=100).auto_paging_iter()]
    assert jardins.id in listed
    assert comptoir.id in listed


def test_account_type_is_required():
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe.Account.create(country="FR")

    assert raised.value.http_status == 400
    assert raised.value.param == "type"
    assert raised.value.user_message == "Invalid type: must be one of express, custom, standard"


def test_destination_charge_transfers_amount_minus_fee(jardins):
    created = stripe.PaymentIntent.create(
        amount=5000,
        currency="eur",
        on_behalf_of=jardins.id,
        transfer_data={"destination": jardins.id},
        application_fee_amount=250,
        metadata={"order": "CMD-2026-0001"},
    )
    assert created.status == "requires_payment_method"
    assert created.on_behalf_of == jardins.id
    assert created.transfer_data.to_dict() == {"destination": jardins.id}
    assert created.application_fee_amount == 250

    intent = stripe.PaymentIntent.confirm(created.id, payment_method="pm_card_visa")

    assert intent.status == "succeeded"
    assert isinstance(intent.latest_charge, str)  # an id, as in Stripe, unless expanded
    charge = stripe.Charge.retrieve(intent.latest_charge)
    assert charge.status == "succeeded"
    assert charge.amount == 5000
    assert charge.payment_intent == intent.id
    assert charge.on_behalf_of == jardins.id
    assert charge.transfer_data.to_dict() == {"destination": jardins.id}
    assert charge.application_fee_amount == 250
    assert charge.transfer_group == intent.transfer_group == f"group_{intent.id}"

    transfer = stripe.Transfer.retrieve(charge.transfer)
    assert transfer.amount == 4750
    assert transfer.currency == "eur"
    assert transfer.destination == jardins.id
    assert transfer.source_transaction == charge.id
    assert transfer.transfer_group == f"group_{intent.id}"
    assert transfer.amount_reversed == 0
    assert transfer.reversed is False


def test_destination_charge_with_transfer_amount_and_expanded_charge(jardins):
    intent = stripe.PaymentIntent.create(
        amount=3000,
        currency="eur",
        transfer_data={"destination": jardins.id, "amount": 2800},
        payment_method="pm_card_visa",
        confirm=True,
        expand=["latest_charge"],
    )

    assert intent.status == "succeeded"
    assert intent.latest_charge.object == "charge"
    assert stripe.Transfer.retrieve(intent.latest_charge.transfer).amount == 2800


def test_mixed_order_one_platform_charge_then_one_transfer_per_structure(jardins, comptoir):
    group = f"CMD-{uuid.uuid4().hex[:8]}"
    intent = stripe.PaymentIntent.create(amount=8000, currency="eur", transfer_group=group)
    assert intent.transfer_group == group
    intent = stripe.PaymentIntent.confirm(intent.id, payment_method="pm_card_visa")
    assert intent.status == "succeeded"
    charge = stripe.Charge.retrieve(intent.latest_charge)
    assert charge.transfer_group == group
    assert charge.transfer is None
    assert charge.transfer_data is None

    to_jardins = stripe.Transfer.create(
        amount=3000,
        currency="eur",
        destination=jardins.id,
        source_transaction=charge.id,
        transfer_group=group,
        metadata={"invoice": "JAR-2026-00001"},
    )
    to_comptoir = stripe.Transfer.create(
        amount=5000, currency="eur", destination=comptoir.id, source_transaction=charge.id, transfer_group=group
    )

    assert (to_jardins.amount, to_jardins.destination, to_jardins.source_transaction) == (3000, jardins.id, charge.id)
    assert to_jardins.metadata.to_dict() == {"invoice": "JAR-2026-00001"}
    assert (to_comptoir.amount, to_comptoir.destination) == (5000, comptoir.id)
    listed = stripe.Transfer.list(transfer_group=group)
    assert [t.id for t in listed.data] == [to_comptoir.id, to_jardins.id]  # newest first
    assert [t.id for t in stripe.Transfer.list(transfer_group=group, destination=jardins.id).data] == [to_jardins.id]


def test_transfers_cannot_exceed_their_source_charge(jardins, comptoir):
    intent = stripe.PaymentIntent.create(
        amount=1000, currency="eur", transfer_group="CMD-over", payment_method="pm_card_visa", confirm=True
    )
    stripe.Transfer.create(amount=600, currency="eur", destination=jardins.id, source_transaction=intent.latest_charge)

    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe.Transfer.create(
            amount=401, currency="eur", destination=comptoir.id, source_transaction=intent.latest_charge
        )

    assert raised.value.code == "amount_too_large"
    assert raised.value.user_message == (
        f"Transfer amount (401) exceeds what remains of source_transaction {intent.latest_charge} (400)."
    )


def test_refund_with_reverse_transfer_reverses_the_destination_transfer(jardins):
    intent = paid_destination_charge(jardins, amount=5000, fee=250)
    charge = stripe.Charge.retrieve(intent.latest_charge)

    partial = stripe.Refund.create(charge=charge.id, amount=1000, reverse_transfer=True)

    assert partial.amount == 1000
    assert partial.status == "succeeded"
    reversal = stripe.Transfer.retrieve_reversal(charge.transfer, partial.transfer_reversal)
    assert reversal.amount == 950  # the transfer's share: 4750 × 1000 / 5000
    assert reversal.transfer == charge.transfer
    assert reversal.source_refund == partial.id
    transfer = stripe.Transfer.retrieve(charge.transfer)
    assert (transfer.amount_reversed, transfer.reversed) == (950, False)

    rest = stripe.Refund.create(payment_intent=intent.id, reverse_transfer=True)

    assert rest.amount == 5000  # localstripe refunds the whole amount when none is given
    transfer = stripe.Transfer.retrieve(charge.transfer)
    assert (transfer.amount_reversed, transfer.reversed) == (4750, True)
    assert [r.amount for r in stripe.Transfer.list_reversals(charge.transfer).data] == [3800, 950]


def test_reverse_transfer_is_refused_on_a_charge_without_transfer():
    intent = stripe.PaymentIntent.create(amount=1200, currency="eur", payment_method="pm_card_visa", confirm=True)

    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe.Refund.create(charge=intent.latest_charge, reverse_transfer=True)

    assert raised.value.param == "reverse_transfer"
    assert raised.value.user_message == (
        f"Charge {intent.latest_charge} has no transfer to reverse: reverse_transfer is only for destination charges."
    )
    assert stripe.Refund.list(charge=intent.latest_charge).data == []


def test_partial_reversal_then_refuses_to_reverse_more_than_remains(jardins):
    intent = stripe.PaymentIntent.create(
        amount=2000, currency="eur", transfer_group="CMD-rev", payment_method="pm_card_visa", confirm=True
    )
    transfer = stripe.Transfer.create(
        amount=2000, currency="eur", destination=jardins.id, source_transaction=intent.latest_charge
    )

    first = stripe.Transfer.create_reversal(transfer.id, amount=1500, metadata={"credit_note": "AV-1"})

    assert first.object == "transfer_reversal"
    assert (first.amount, first.currency, first.transfer) == (1500, "eur", transfer.id)
    assert first.metadata.to_dict() == {"credit_note": "AV-1"}
    assert stripe.Transfer.retrieve(transfer.id).amount_reversed == 1500

    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe.Transfer.create_reversal(transfer.id, amount=501)

    assert raised.value.http_status == 400
    assert raised.value.code == "amount_too_large"
    assert raised.value.param == "amount"
    assert raised.value.user_message == (
        f"Reversal amount (501) is greater than the amount remaining on transfer {transfer.id} (500)."
    )

    last = stripe.Transfer.create_reversal(transfer.id)  # no amount: the rest

    assert last.amount == 500
    after = stripe.Transfer.retrieve(transfer.id)
    assert (after.amount_reversed, after.reversed) == (2000, True)
    assert after.reversals.total_count == 2
    with pytest.raises(stripe.InvalidRequestError, match=f"Transfer {transfer.id} has already been fully reversed."):
        stripe.Transfer.create_reversal(transfer.id, amount=1)


def test_transfer_to_an_unknown_account_is_refused():
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe.Transfer.create(amount=100, currency="eur", destination="acct_doesnotexist")

    assert raised.value.http_status == 400
    assert raised.value.code == "resource_missing"
    assert raised.value.param == "destination"
    assert raised.value.user_message == "No such destination: 'acct_doesnotexist'"


def test_connect_parameters_of_a_payment_intent_are_checked(jardins):
    with pytest.raises(stripe.InvalidRequestError, match=r"No such destination: 'acct_nobody'") as unknown:
        stripe.PaymentIntent.create(amount=1000, currency="eur", transfer_data={"destination": "acct_nobody"})
    assert unknown.value.param == "transfer_data[destination]"

    with pytest.raises(stripe.InvalidRequestError) as fee_alone:
        stripe.PaymentIntent.create(amount=1000, currency="eur", application_fee_amount=50)
    assert fee_alone.value.param == "application_fee_amount"

    with pytest.raises(stripe.InvalidRequestError) as both:
        stripe.PaymentIntent.create(
            amount=1000,
            currency="eur",
            transfer_data={"destination": jardins.id, "amount": 900},
            application_fee_amount=50,
        )
    assert both.value.user_message == "transfer_data[amount] and application_fee_amount cannot both be set."


def test_stripe_client_with_base_addresses_works_too(localstripe, jardins):  # noqa: F811
    client = localstripe.client()

    account = client.v1.accounts.retrieve(jardins.id)
    intent = client.v1.payment_intents.create(
        {"amount": 700, "currency": "eur", "transfer_data": {"destination": jardins.id}, "application_fee_amount": 70}
    )

    assert account.id == jardins.id
    assert intent.transfer_data.destination == jardins.id


def test_fake_stripe_js_is_served(localstripe):  # noqa: F811
    with urllib.request.urlopen(localstripe.stripe_js_url, timeout=5) as response:
        content_type = response.headers["Content-Type"]
        source = response.read().decode()

    assert content_type.startswith("application/javascript")
    assert "Stripe = (apiKey) =>" in source
    assert "elements: () =>" in source
    assert "confirmCardPayment: async (clientSecret, data) =>" in source


def test_card_element_confirmation_as_the_fake_stripe_js_does_it(localstripe, jardins):  # noqa: F811
    # stripe.confirmCardPayment(client_secret, {payment_method: {card: element}}) in the fake
    # Stripe.js shows a "3D Secure" dialog, then POSTs this (whatever card was typed).
    intent = stripe.PaymentIntent.create(
        amount=4200, currency="eur", on_behalf_of=jardins.id, transfer_data={"destination": jardins.id}
    )
    request = urllib.request.Request(
        f"{localstripe.url}/v1/payment_intents/{intent.id}/_authenticate?success=true",
        data=json.dumps({"key": localstripe.publishable_key, "client_secret": intent.client_secret}).encode(),
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        answered = json.loads(response.read())

    assert answered["status"] == "succeeded"
    charge = stripe.Charge.retrieve(stripe.PaymentIntent.retrieve(intent.id).latest_charge)
    assert stripe.Transfer.retrieve(charge.transfer).amount == 4200


# The served fake Stripe.js, run in Node with just enough of a DOM; its "3D Secure" dialog is
# answered by clicking the button whose label is ANSWER.
NODE_PAGE = """
const vm = require('vm');
const {BASE, PK, CLIENT_SECRET, ANSWER} = process.env;
console.log = console.error;  // the script logs what it does; stdout carries the result only
class FakeNode {
  constructor(tag) { this.tag = tag; this.style = {}; this.children = []; this.handlers = {}; }
  appendChild(child) { this.children.push(child); }
  removeChild() {}
  remove() {}
  setAttribute() {}
  focus() {}
  addEventListener(type, handler) { this.handlers[type] = handler; }
}
global.window = {Element: FakeNode};
global.document = {
  currentScript: {src: BASE + '/js.stripe.com/v3/'},
  getElementsByTagName: () => [],
  createElement: tag => new FakeNode(tag),
  body: {
    appendChild(box) {
      setTimeout(() => box.children.find(c => c.innerText === ANSWER).handlers.click(), 0);
    },
    removeChild() {},
  },
};
(async () => {
  const source = await (await fetch(BASE + '/js.stripe.com/v3/')).text();
  vm.runInThisContext(source);
  const stripe = Stripe(PK);
  const card = stripe.elements().create('card');
  card.mount(new FakeNode('div'));
  const result = await stripe.confirmCardPayment(CLIENT_SECRET, {payment_method: {card: card}});
  process.stdout.write(JSON.stringify(result));
})().catch(error => { console.error(error); process.exit(1); });
"""


def run_fake_stripe_js(localstripe, client_secret, answer):  # noqa: F811
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed: the fake Stripe.js cannot be run")
    env = {
        "PATH": "/usr/bin:/bin",
        "BASE": localstripe.url,
        "PK": localstripe.publishable_key,
        "CLIENT_SECRET": client_secret,
        "ANSWER": answer,
    }
    completed = subprocess.run(
        [node, "-e", NODE_PAGE], env=env, capture_output=True, text=True, timeout=30, check=False
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def test_fake_stripe_js_card_element_and_confirm_card_payment(localstripe, jardins):  # noqa: F811
    intent = stripe.PaymentIntent.create(
        amount=1800,
        currency="eur",
        on_behalf_of=jardins.id,
        transfer_data={"destination": jardins.id},
        application_fee_amount=90,
    )

    result = run_fake_stripe_js(localstripe, intent.client_secret, "Complete authentication")

    assert result["paymentIntent"]["id"] == intent.id
    assert result["paymentIntent"]["status"] == "succeeded"
    charge = stripe.Charge.retrieve(stripe.PaymentIntent.retrieve(intent.id).latest_charge)
    assert stripe.Transfer.retrieve(charge.transfer).amount == 1710


def test_fake_stripe_js_failed_authentication_leaves_the_payment_unpaid(localstripe):  # noqa: F811
    intent = stripe.PaymentIntent.create(amount=1800, currency="eur")

    result = run_fake_stripe_js(localstripe, intent.client_secret, "Fail authentication")

    assert result["paymentIntent"]["status"] == "requires_payment_method"
    assert result["paymentIntent"]["last_payment_error"]["code"] == "payment_intent_authentication_failure"
    assert stripe.PaymentIntent.retrieve(intent.id).latest_charge is None


class _Receiver(http.server.BaseHTTPRequestHandler):
    received: queue.Queue

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.put((body, self.headers["Stripe-Signature"]))
        self.send_response(200)
        self.end_headers()

    def log_message(self, format, *args):  # silence the default stderr log
        pass


@pytest.fixture
def webhook_receiver():
    received = queue.Queue()
    handler = type("Receiver", (_Receiver,), {"received": received})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/stripe/webhook/", received
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def wait_for_events(received, wanted, timeout=10.0):
    """Collect the deliveries of the `wanted` (event type, object id) pairs, in any order; ignore
    the others (events of earlier tests may still be on their way)."""
    found = {}
    deadline = time.monotonic() + timeout
    while set(wanted) - set(found) and (left := deadline - time.monotonic()) > 0:
        try:
            body, signature = received.get(timeout=left)
        except queue.Empty:
            break
        data = json.loads(body)
        key = (data["type"], data["data"]["object"]["id"])
        if key in wanted:
            found[key] = (body, signature)
    missing = set(wanted) - set(found)
    assert not missing, f"not delivered within {timeout} s: {missing}"
    return found


def test_webhook_delivers_signed_events(localstripe, webhook_receiver, jardins):  # noqa: F811
    url, received = webhook_receiver
    secret = f"whsec_{uuid.uuid4().hex}"
    endpoint = f"test-{uuid.uuid4().hex[:8]}"
    localstripe.register_webhook(endpoint, url, secret, events=["payment_intent.succeeded", "transfer.created"])
    try:
        intent = paid_destination_charge(jardins, amount=2500, fee=100, metadata={"order": "CMD-hook"})
        transfer_id = stripe.Charge.retrieve(intent.latest_charge).transfer
        found = wait_for_events(received, {("payment_intent.succeeded", intent.id), ("transfer.created", transfer_id)})
    finally:
        localstripe.unregister_webhook(endpoint)
    body, signature = found["payment_intent.succeeded", intent.id]

    event = stripe.Webhook.construct_event(body, signature, secret)

    assert event.type == "payment_intent.succeeded"
    assert event.id.startswith("evt_")
    payment = event.data.object
    assert (payment.id, payment.status, payment.amount) == (intent.id, "succeeded", 2500)
    assert payment.latest_charge == intent.latest_charge
    assert payment.metadata.to_dict() == {"order": "CMD-hook"}
    assert payment.transfer_data.destination == jardins.id
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(body, signature, "whsec_wrong")
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(body.replace(b"2500", b"25"), signature, secret)

    transfer_event = stripe.Webhook.construct_event(*found["transfer.created", transfer_id], secret)

    assert transfer_event.type == "transfer.created"
    assert (transfer_event.data.object.amount, transfer_event.data.object.destination) == (2400, jardins.id)


def _balance(account=None) -> int:
    balance = stripe.Balance.retrieve(stripe_account=account) if account else stripe.Balance.retrieve()
    assert balance.object == "balance"
    assert [funds.currency for funds in balance.available + balance.pending] == ["eur", "eur"]
    return sum(funds.amount for funds in balance.available + balance.pending)


def test_balance_follows_charges_transfers_refunds_and_reversals(jardins, comptoir):
    platform = _balance()  # other tests of the session charged the same server
    assert (_balance(jardins.id), _balance(comptoir.id)) == (0, 0)

    paid_destination_charge(jardins, amount=5000, fee=250)  # the platform keeps the fee
    assert (_balance() - platform, _balance(jardins.id)) == (250, 4750)

    mixed = stripe.PaymentIntent.create(amount=3000, currency="eur", payment_method_types=["card"],
                                        transfer_group="CMD-BAL")  # fmt: skip
    mixed = stripe.PaymentIntent.confirm(mixed.id, payment_method="pm_card_visa")
    transfer = stripe.Transfer.create(amount=1200, currency="eur", destination=comptoir.id,
                                      source_transaction=mixed.latest_charge, transfer_group="CMD-BAL")  # fmt: skip
    assert (_balance() - platform, _balance(comptoir.id)) == (250 + 3000 - 1200, 1200)

    stripe.Refund.create(payment_intent=mixed.id, amount=500)
    stripe.Transfer.create_reversal(transfer.id, amount=500)
    assert (_balance() - platform, _balance(comptoir.id)) == (250 + 3000 - 1200 - 500 + 500, 700)


def test_balance_of_an_unknown_account_is_refused():
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe.Balance.retrieve(stripe_account="acct_inconnu")
    assert raised.value.http_status == 400
    assert raised.value.user_message == "No such account: 'acct_inconnu'"
