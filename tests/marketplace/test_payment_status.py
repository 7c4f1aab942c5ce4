"""The payment status the « Merci » and order pages follow live, and switching means after a card failure.

The fragment polls (`hx-trigger="every 2s"`) while Stripe's answer is awaited and comes back
without the trigger once the status is final. Stripe's return to the page (`payment_intent`,
`redirect_status`) only ever says « being confirmed »: the order is paid by the webhook alone.
Switching from a failed card to a pay-later means cancels the PaymentIntent at Stripe (outside any
lock), is idempotent, and a late webhook of the old intent changes nothing it should not.
"""

import pytest
from django.core import mail
from django.urls import reverse

from marketplace import events, stripe_gateway
from marketplace.actions.checkout import sellers_of
from marketplace.actions.payments import start_card_payment, switch_payment_method
from marketplace.enums import FulfilmentStatus, PaymentMethod, PaymentState, PaymentStatus
from marketplace.exceptions import PaymentError
from marketplace.models import Order, OrderTransition, Payment
from tests.marketplace.factories import (
    CustomerFactory,
    OrderFactory,
    SellerSettingsFactory,
    card_payment_event,
    connect,
    pay_by_card,
)
from tests.marketplace.stripe_helpers import event_for, post_event

pytestmark = pytest.mark.django_db

POLL = 'hx-trigger="every 2s"'


def _status(client, order, **query):
    return client.get(reverse("marketplace:order_status", args=[order.reference]), query)


def _failed_attempt(order: Order) -> Payment:
    """What the `payment_intent.payment_failed` webhook leaves: one failed card payment."""
    return Payment.objects.create(
        order=order,
        method=PaymentMethod.CARD,
        state=PaymentState.FAILED,
        amount=order.total_incl,
        received_by=sellers_of(order)[0],
        failure_message="Your card was declined.",
    )


@pytest.fixture
def card_order(resident, coffee):
    order = OrderFactory(customer=resident, items=[(coffee, "1")], card=True)
    Order.objects.filter(pk=order.pk).update(stripe_payment_intent_id="pi_test_returned")
    order.refresh_from_db()
    return order


# --- The status fragment -----------------------------------------------------------------------


def test_back_from_stripe_the_order_is_being_confirmed_and_polled_never_to_pay(client, resident, card_order):
    client.force_login(resident)
    response = _status(client, card_order, payment_intent="pi_test_returned", redirect_status="succeeded")
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert "<strong>Paiement en cours de confirmation</strong> — Carte bancaire" in html
    assert POLL in html
    assert (
        f'hx-get="/commandes/{card_order.reference}/paiement/etat/?echecs=0&amp;payment_intent=pi_test_returned&amp;redirect_status=succeeded"'
    ) in html
    assert "À payer" not in html
    assert "Payer par carte" not in html
    card_order.refresh_from_db()
    assert card_order.payment_status == PaymentStatus.UNPAID  # never from the browser


def test_the_thanks_page_back_from_stripe_polls_the_same_fragment(client, resident, card_order):
    client.force_login(resident)
    url = reverse("marketplace:order_thanks", args=[card_order.reference])
    html = client.get(url, {"payment_intent": "pi_test_returned", "redirect_status": "processing"}).content.decode()
    assert '<div role="status" aria-live="polite">' in html
    assert POLL in html
    assert "Paiement en cours de confirmation" in html


def test_once_the_webhook_marked_it_paid_the_fragment_is_final(client, resident, card_order):
    Order.objects.filter(pk=card_order.pk).update(stripe_payment_intent_id="")
    pay_by_card(card_order)
    client.force_login(resident)
    html = _status(
        client, card_order, payment_intent=card_order.stripe_payment_intent_id, redirect_status="succeeded"
    ).content.decode()
    assert "<strong>Payée</strong> — Carte bancaire" in html
    assert "Votre paiement est bien reçu. Merci !" in html
    assert "hx-get" not in html
    assert "hx-trigger" not in html


def test_a_return_for_another_intent_or_a_forged_status_is_ignored(client, resident, card_order):
    client.force_login(resident)
    for query in (
        {"payment_intent": "pi_someone_else", "redirect_status": "succeeded"},
        {"payment_intent": "pi_test_returned", "redirect_status": "paid-for-sure"},
        {"payment_intent": "pi_test_returned" + "x" * 5000, "redirect_status": "succeeded"},
    ):
        response = _status(client, card_order, **query)
        html = response.content.decode()
        assert response.status_code == 200
        assert "<strong>À payer</strong> — Carte bancaire" in html
        assert "Cette commande attend son paiement par carte." in html
        assert POLL not in html


def test_a_malformed_failure_count_is_ignored_not_an_error(client, resident, card_order):
    client.force_login(resident)
    for echecs in ("-1", "9" * 5000, "un"):
        response = _status(
            client, card_order, payment_intent="pi_test_returned", redirect_status="succeeded", echecs=echecs
        )
        assert response.status_code == 200
        assert "?echecs=0&amp;payment_intent=pi_test_returned" in response.content.decode()


def test_a_failure_arriving_while_confirming_stops_the_polling_and_offers_other_means(client, resident, card_order):
    client.force_login(resident)
    html = _status(client, card_order, payment_intent="pi_test_returned", redirect_status="processing").content
    assert POLL in html.decode()
    _failed_attempt(card_order)  # the webhook's failure, after the page was shown with 0 failures

    html = _status(
        client, card_order, payment_intent="pi_test_returned", redirect_status="processing", echecs="0"
    ).content.decode()

    assert POLL not in html
    assert "Le paiement par carte n&#x27;a pas abouti." in html or "Le paiement par carte n'a pas abouti." in html
    assert f'<a class="button" href="/commandes/{card_order.reference}/payer/">Réessayer par carte</a>' in html
    assert 'value="cash" id="switch-cash"' in html
    assert 'value="cheque" id="switch-cheque"' in html
    assert 'value="transfer"' not in html  # bank transfer on invoice is for organisations


def test_a_stored_success_not_yet_processed_says_being_confirmed(client, resident, card_order):
    card_payment_event(card_order, {"id": "pi_test_returned", "object": "payment_intent", "amount": 520})
    client.force_login(resident)
    html = _status(client, card_order).content.decode()
    assert "Paiement en cours de confirmation" in html
    assert POLL in html


def test_a_pay_later_order_and_a_cancelled_one_are_final(client, resident, coffee):
    cash = OrderFactory(customer=resident, items=[(coffee, "1")])
    cancelled = OrderFactory(customer=resident, items=[(coffee, "1")], card=True, cancelled=True)
    client.force_login(resident)
    cash_html = _status(client, cash).content.decode()
    assert "<strong>À payer</strong> — Espèces au retrait" in cash_html
    cancelled_html = _status(client, cancelled).content.decode()
    assert "<strong>Commande annulée</strong>" in cancelled_html
    assert POLL not in cash_html + cancelled_html


def test_someone_else_cannot_read_the_status(client, card_order):
    client.force_login(CustomerFactory())
    assert _status(client, card_order).status_code == 404


@pytest.mark.parametrize(
    ("state", "queries"),
    [
        # Session, user, order, failed card attempts (Stripe's return says the rest).
        ("confirming", 4),
        # Session, user, order: a paid order is final at once.
        ("paid", 3),
    ],
)
def test_the_status_fragment_query_count(client, resident, card_order, django_assert_num_queries, state, queries):
    query = {"payment_intent": "pi_test_returned", "redirect_status": "succeeded", "echecs": "0"}
    if state == "paid":
        Order.objects.filter(pk=card_order.pk).update(stripe_payment_intent_id="")
        pay_by_card(card_order)
        query["payment_intent"] = card_order.stripe_payment_intent_id
    client.force_login(resident)
    with django_assert_num_queries(queries):
        response = _status(client, card_order, **query)
    assert response.status_code == 200


# --- Switching means after a failed card, against the local Stripe server -------------------------


@pytest.fixture
def failed_card_order(stripe_env, resident, coffee, client, django_capture_on_commit_callbacks):
    """A card order whose payment Stripe declined, and whose failure webhook was processed."""
    order = OrderFactory(customer=resident, items=[(coffee, "2")], card=True)
    connect(*sellers_of(order))
    start_card_payment(order=order)
    order.refresh_from_db()
    with pytest.raises(stripe_gateway.stripe.CardError):
        stripe_env.v1.payment_intents.confirm(
            order.stripe_payment_intent_id, params={"payment_method": "pm_card_chargeCustomerFail"}
        )
    intent = stripe_env.v1.payment_intents.retrieve(order.stripe_payment_intent_id)
    assert intent.status == "requires_payment_method"
    with django_capture_on_commit_callbacks(execute=True):
        post_event(client, event_for(intent, "payment_intent.payment_failed", f"evt_fail_{order.pk}"))
    order.refresh_from_db()
    assert order.payments.get().state == PaymentState.FAILED
    [failure] = [m for m in mail.outbox if "n'a pas abouti" in m.body]
    assert "vous pouvez réessayer ou choisir un autre moyen de paiement accepté" in failure.body
    mail.outbox.clear()
    return order


def test_switching_to_cheque_cancels_the_intent_and_confirms_the_order(
    stripe_env, client, resident, failed_card_order, django_capture_on_commit_callbacks
):
    order = failed_card_order
    client.force_login(resident)
    confirmed = []
    events.order_confirmed.connect(lambda sender, order_id, **kw: confirmed.append(order_id), weak=False)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("marketplace:order_switch_payment", args=[order.reference]), {"method": "cheque"}, follow=True
        )

    order.refresh_from_db()
    assert response.redirect_chain == [(reverse("marketplace:order_thanks", args=[order.reference]), 302)]
    html = response.content.decode()
    assert "C&#x27;est noté : vous paierez par « Chèque au retrait ». Votre commande est confirmée." in html
    assert "<strong>À payer</strong> — Chèque au retrait" in html
    assert (order.payment_method, order.fulfilment_status, order.payment_status) == (
        PaymentMethod.CHEQUE,
        FulfilmentStatus.CONFIRMED,
        PaymentStatus.UNPAID,
    )
    assert stripe_env.v1.payment_intents.retrieve(order.stripe_payment_intent_id).status == "canceled"
    assert order.invoices.count() == 1
    assert confirmed == [order.pk]
    assert list(
        OrderTransition.objects.filter(order=order, field="payment_method").values_list(
            "from_status", "to_status", "by"
        )
    ) == [("card", "cheque", resident.pk)]


def test_switching_twice_is_idempotent(stripe_env, resident, failed_card_order):
    order = switch_payment_method(order=failed_card_order, method=PaymentMethod.CASH, by=resident)
    again = switch_payment_method(order=failed_card_order, method=PaymentMethod.CASH, by=resident)
    assert (again.pk, again.payment_method, again.fulfilment_status) == (
        order.pk,
        PaymentMethod.CASH,
        FulfilmentStatus.CONFIRMED,
    )
    assert OrderTransition.objects.filter(order=order, field="payment_method").count() == 1
    assert order.invoices.count() == 1
    with pytest.raises(PaymentError, match="Le moyen de paiement de cette commande est déjà choisi."):
        switch_payment_method(order=failed_card_order, method=PaymentMethod.CHEQUE, by=resident)


def test_a_late_failure_webhook_of_the_old_intent_changes_nothing(
    stripe_env, client, resident, failed_card_order, django_capture_on_commit_callbacks
):
    order = switch_payment_method(order=failed_card_order, method=PaymentMethod.CASH, by=resident)
    failed = []
    events.order_payment_failed.connect(lambda sender, order_id, **kw: failed.append(order_id), weak=False)
    intent = stripe_env.v1.payment_intents.retrieve(order.stripe_payment_intent_id)

    with django_capture_on_commit_callbacks(execute=True):
        response = post_event(client, event_for(intent, "payment_intent.payment_failed", "evt_late_failure"))

    assert response.status_code == 200
    order.refresh_from_db()
    assert (order.payment_method, order.fulfilment_status, order.payment_status) == (
        PaymentMethod.CASH,
        FulfilmentStatus.CONFIRMED,
        PaymentStatus.UNPAID,
    )
    assert order.payments.count() == 1  # the first failure only
    assert failed == []
    assert mail.outbox == []


def test_a_late_success_webhook_of_the_old_intent_is_recorded_as_the_payment_it_is(
    stripe_env, client, resident, failed_card_order, django_capture_on_commit_callbacks
):
    """Should Stripe report a success for the cancelled intent (a race on its side), the money is ours:
    recorded once, the order paid, nothing confirmed twice."""
    order = switch_payment_method(order=failed_card_order, method=PaymentMethod.CHEQUE, by=resident)
    intent = stripe_env.v1.payment_intents.retrieve(order.stripe_payment_intent_id).to_dict()
    intent |= {"status": "succeeded", "amount_received": intent["amount"], "latest_charge": "ch_late"}
    payload = event_for(type("Intent", (), {"to_dict": lambda self: intent})(), "payment_intent.succeeded", "evt_ls")

    with django_capture_on_commit_callbacks(execute=True):
        assert post_event(client, payload).status_code == 200
        assert post_event(client, payload).status_code == 200  # delivered twice

    order.refresh_from_db()
    assert (order.payment_status, order.fulfilment_status) == (PaymentStatus.PAID, FulfilmentStatus.CONFIRMED)
    assert list(order.payments.filter(state=PaymentState.SUCCEEDED).values_list("method", "amount")) == [
        (PaymentMethod.CARD, order.total_incl)
    ]
    assert order.invoices.count() == 1


def test_a_card_payment_stripe_already_took_cannot_be_switched(stripe_env, resident, coffee):
    order = OrderFactory(customer=resident, items=[(coffee, "1")], card=True)
    connect(*sellers_of(order))
    start_card_payment(order=order)
    order.refresh_from_db()
    stripe_env.v1.payment_intents.confirm(order.stripe_payment_intent_id, params={"payment_method": "pm_card_visa"})

    with pytest.raises(PaymentError, match="Votre paiement par carte est en cours de confirmation"):
        switch_payment_method(order=order, method=PaymentMethod.CASH, by=resident)

    order.refresh_from_db()
    assert (order.payment_method, order.fulfilment_status) == (PaymentMethod.CARD, FulfilmentStatus.PLACED)
    assert not OrderTransition.objects.filter(order=order, field="payment_method").exists()


def test_only_the_means_the_sellers_accept_and_the_customer_may_use(resident, coffee, card_order):
    SellerSettingsFactory(structure=coffee.structure, accepts_cheque=False)
    for method, message in (
        (PaymentMethod.CHEQUE, "Ce moyen de paiement n'est pas possible pour cette commande."),
        (PaymentMethod.TRANSFER, "Ce moyen de paiement n'est pas possible pour cette commande."),
        (PaymentMethod.CARD, "Ce moyen de paiement n'est pas possible pour cette commande."),
        (PaymentMethod.SEPA, "Ce moyen de paiement n'est pas possible pour cette commande."),
    ):
        with pytest.raises(PaymentError, match=message):
            switch_payment_method(order=card_order, method=method, by=resident)
    card_order.refresh_from_db()
    assert (card_order.payment_method, card_order.fulfilment_status) == (PaymentMethod.CARD, FulfilmentStatus.PLACED)


def test_nobody_else_may_switch_an_order(client, card_order):
    stranger = CustomerFactory()
    with pytest.raises(PaymentError, match="Cette commande n'est pas la vôtre."):
        switch_payment_method(order=card_order, method=PaymentMethod.CASH, by=stranger)
    client.force_login(stranger)
    response = client.post(reverse("marketplace:order_switch_payment", args=[card_order.reference]), {"method": "cash"})
    assert response.status_code == 404
    card_order.refresh_from_db()
    assert card_order.payment_method == PaymentMethod.CARD


def test_a_paid_or_cancelled_order_cannot_switch(resident, coffee):
    cancelled = OrderFactory(customer=resident, items=[(coffee, "1")], card=True, cancelled=True)
    with pytest.raises(PaymentError, match="Cette commande n'attend plus de paiement."):
        switch_payment_method(order=cancelled, method=PaymentMethod.CASH, by=resident)
    cancelled.refresh_from_db()
    assert cancelled.payment_method == PaymentMethod.CARD


def test_an_unknown_means_in_the_form_is_refused_in_french(client, resident, card_order):
    client.force_login(resident)
    response = client.post(
        reverse("marketplace:order_switch_payment", args=[card_order.reference]), {"method": "bitcoin"}, follow=True
    )
    assert "Choisissez un moyen de paiement." in response.content.decode()
    card_order.refresh_from_db()
    assert card_order.payment_method == PaymentMethod.CARD
