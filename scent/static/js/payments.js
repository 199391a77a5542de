/* Stripe Payment Element on the pay page. The server created the PaymentIntent (amount,
   currency and idempotency key come from the order); this file only collects the card
   with Stripe.js and confirms. Stripe then sends the shopper to the return URL, where the
   server asks Stripe for the result. */
(function () {
  "use strict";
  var form = document.getElementById("payment-form");
  if (!form) return;
  var message = document.getElementById("payment-message");
  var button = document.getElementById("payment-submit");

  function showError(text) {
    message.textContent = text;
    message.hidden = false;
    button.disabled = false;
  }

  if (typeof window.Stripe !== "function") {
    showError("The secure payment form could not be loaded. Check your connection and reload the page.");
    button.disabled = true; // nothing to submit without Stripe.js
    return;
  }

  var stripe, elements;
  try {
    stripe = window.Stripe(form.dataset.publishableKey);
    elements = stripe.elements({ clientSecret: form.dataset.clientSecret });
    var paymentElement = elements.create("payment", {
      defaultValues: { billingDetails: { email: form.dataset.email || "" } },
    });
    paymentElement.on("ready", function () { button.disabled = false; });
    paymentElement.mount("#payment-element");
  } catch (error) {
    // E.g. STRIPE_KEY missing or not matching STRIPE_SECRET's account.
    showError("Card payment is not available right now. Please try again later.");
    button.disabled = true;
    if (window.console) window.console.error(error);
    return;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (button.disabled) return; // one confirmation at a time
    button.disabled = true;
    message.hidden = true;
    stripe
      .confirmPayment({ elements: elements, confirmParams: { return_url: form.dataset.returnUrl } })
      .then(function (result) {
        // Only reached when confirmation failed before any redirect (declined card, typo...).
        if (result.error) {
          showError(result.error.message || "The payment could not be completed.");
        }
      });
  });
})();
