/*
 * Card entry for the booking, "another card" and pool forms, an enhancement: Stripe.js draws the card
 * fields and turns them into a PaymentMethod id, which is all Kith receives
 * (in the hidden "payment_method" field). Without JavaScript the page still
 * works for invoices, and against a fake Stripe for the plain "Test card".
 */
(function () {
  "use strict";
  var form = document.querySelector("form[data-publishable-key]");
  if (!form || typeof window.Stripe !== "function") { return; }
  var key = form.getAttribute("data-publishable-key");
  var group = document.getElementById("card-group");
  var errors = document.getElementById("card-errors");
  var hidden = form.querySelector("input[name=payment_method]");
  var testCard = form.querySelector("select[name=test_card]");
  if (!key || !group || !hidden) { return; }

  var stripe = window.Stripe(key);
  var card = stripe.elements().create("card", { hidePostalCode: true });
  group.hidden = false;
  card.mount("#card-element");

  function route() {
    // Forms with no choice of route (another card for a booking) are always by card.
    if (!form.querySelector("input[name=payment_route]")) { return "card"; }
    var chosen = form.querySelector("input[name=payment_route]:checked");
    return chosen ? chosen.value : "";
  }

  form.addEventListener("submit", function (event) {
    // A chosen test card, an invoice, or a card already turned into an id: send as it is.
    if (route() !== "card" || hidden.value || (testCard && testCard.value)) { return; }
    event.preventDefault();
    errors.textContent = "";
    Promise.resolve(stripe.createPaymentMethod({ type: "card", card: card })).then(function (result) {
      if (result && result.paymentMethod) {
        hidden.value = result.paymentMethod.id;
        form.submit();
      } else {
        errors.textContent = (result && result.error && result.error.message) ||
          "The card details could not be checked. Please try again.";
      }
    });
  });
})();
