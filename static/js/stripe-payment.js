// The card payment page (marketplace/order_pay.html): Stripe Elements' card field, then the
// payment confirmed with Stripe, then the « Merci » page. The order is marked paid by the webhook,
// not by this page.
(function () {
  var form = document.getElementById("payment-form");
  if (!form) { return; }
  var message = document.getElementById("payment-message");
  var button = document.getElementById("pay-button");
  var stripe = Stripe(form.dataset.publishableKey);
  var card = stripe.elements().create("card");
  card.mount("#card-element");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    message.textContent = "";
    stripe.confirmCardPayment(form.dataset.clientSecret, {payment_method: {card: card}}).then(function (result) {
      var intent = result.paymentIntent;
      // Only a payment Stripe accepted leaves this page; the order is marked paid by the webhook.
      if (!result.error && intent && ["succeeded", "processing", "requires_capture"].indexOf(intent.status) !== -1) {
        // The « Merci » page, told what Stripe said as Stripe's own return_url would be: it shows
        // « paiement en cours de confirmation » until the webhook marks the order paid.
        var back = new URL(form.dataset.returnUrl, window.location.href);
        back.searchParams.set("payment_intent", intent.id);
        back.searchParams.set("redirect_status", intent.status);
        window.location.href = back.toString();
        return;
      }
      message.textContent = form.dataset.failedMessage + " " + (result.error ? (result.error.message || "") : form.dataset.refusedMessage);
      button.disabled = false;
    });
  });
})();
