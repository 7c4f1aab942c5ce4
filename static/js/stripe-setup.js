// Saving a card or signing a SEPA mandate for a basket subscription (subscriptions/card.html): the
// SetupIntent is confirmed with Stripe, then the form is sent with its id.
(function () {
  var form = document.getElementById("setup-form");
  if (!form) { return; }
  var message = document.getElementById("setup-message");
  var button = document.getElementById("setup-button");
  var stripe = Stripe(form.dataset.publishableKey);
  var sepa = form.dataset.sepa === "1";
  var card = null;
  if (!sepa) {
    card = stripe.elements().create("card");
    card.mount("#card-element");
  }
  var confirmed = false;
  form.addEventListener("submit", function (event) {
    if (confirmed) { return; }
    event.preventDefault();
    button.disabled = true;
    message.textContent = "";
    var confirmation = sepa
      ? stripe.confirmSepaDebitSetup(form.dataset.clientSecret, {payment_method: {
          sepa_debit: {iban: document.getElementById("iban").value.replace(/\s+/g, "")},
          billing_details: {name: document.getElementById("holder").value, email: form.dataset.email}}})
      : stripe.confirmCardSetup(form.dataset.clientSecret, {payment_method: {card: card}});
    confirmation.then(function (result) {
      if (!result.error && result.setupIntent && result.setupIntent.status === "succeeded") {
        document.getElementById("setup-intent").value = result.setupIntent.id;
        confirmed = true;
        form.submit();
        return;
      }
      message.textContent = form.dataset.failedMessage + " " + (result.error ? (result.error.message || "") : "");
      button.disabled = false;
    });
  });
})();
