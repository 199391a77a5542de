/* A test double of Stripe.js v3, for the browser tests only (never shipped or served by
   the shop). The tests answer the page's request for https://js.stripe.com/v3/ with this
   file (Playwright's page.route), so the pay page's own markup, CSP and payments.js run
   unchanged. Like Stripe.js it

   - mounts a Payment Element (here one "Card number" field) and reports "ready";
   - confirmPayment(): POSTs the card to https://api.stripe.com/v1/payment_intents/<id>/confirm
     with the publishable key and the client secret, as Stripe.js does; the tests route
     api.stripe.com to localstripe;
   - on `requires_action` shows a test authentication dialog (Stripe's test 3D Secure page
     has the same two buttons) and reports the answer (localstripe's `_authenticate`);
   - on success redirects to the return URL with payment_intent, payment_intent_client_secret
     and redirect_status, and never resolves; on a decline or a failed authentication it
     resolves {error} and stays on the page. */
(function () {
  "use strict";
  var API = "https://api.stripe.com/v1/payment_intents/";

  function encode(data) {
    return Object.keys(data)
      .map(function (k) { return encodeURIComponent(k) + "=" + encodeURIComponent(data[k]); })
      .join("&");
  }

  function post(path, data) {
    return fetch(API + path, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: encode(data),
    }).then(function (response) { return response.json(); });
  }

  function challenge() {
    return new Promise(function (resolve) {
      var dialog = document.createElement("div");
      dialog.setAttribute("role", "dialog");
      dialog.setAttribute("aria-label", "Test authentication");
      var text = document.createElement("p");
      text.textContent = "Test authentication: complete or fail this payment's extra step.";
      dialog.appendChild(text);
      [["Complete authentication", true], ["Fail authentication", false]].forEach(function (pair) {
        var button = document.createElement("button");
        button.type = "button";
        button.textContent = pair[0];
        button.addEventListener("click", function () { dialog.remove(); resolve(pair[1]); });
        dialog.appendChild(button);
      });
      document.body.appendChild(dialog);
    });
  }

  window.Stripe = function (key) {
    if (!/^pk_/.test(key || "")) throw new Error("Invalid API Key provided: " + key);
    var clientSecret = "";
    var cardInput = null;

    function intentId() { return clientSecret.split("_secret_")[0]; }

    function redirect(returnUrl, status) {
      var url = new URL(returnUrl);
      url.searchParams.set("payment_intent", intentId());
      url.searchParams.set("payment_intent_client_secret", clientSecret);
      url.searchParams.set("redirect_status", status);
      window.location.assign(url.toString());
      return new Promise(function () {}); // the page is going away
    }

    function authenticate(returnUrl) {
      return challenge()
        .then(function (ok) {
          return post(intentId() + "/_authenticate", {
            key: key, client_secret: clientSecret, success: ok ? "true" : "false",
          });
        })
        .then(function (intent) {
          if (intent.error) return { error: intent.error };
          if (intent.status === "succeeded" || intent.status === "processing") {
            return redirect(returnUrl, "succeeded");
          }
          return {
            error: intent.last_payment_error || {
              message: "We are unable to authenticate your payment method.",
            },
          };
        });
    }

    return {
      elements: function (options) {
        clientSecret = options.clientSecret;
        return {
          create: function (type) {
            var handlers = {};
            return {
              on: function (name, fn) { handlers[name] = fn; },
              mount: function (selector) {
                var container = document.querySelector(selector);
                container.textContent = "";
                var label = document.createElement("label");
                label.htmlFor = "stripe-double-card-number";
                label.textContent = "Card number";
                cardInput = document.createElement("input");
                cardInput.id = "stripe-double-card-number";
                cardInput.autocomplete = "cc-number";
                cardInput.inputMode = "numeric";
                container.appendChild(label);
                container.appendChild(cardInput);
                setTimeout(function () {
                  if (handlers.ready) handlers.ready({ elementType: type });
                }, 0);
              },
            };
          },
        };
      },

      confirmPayment: function (options) {
        var returnUrl = options.confirmParams.return_url;
        var number = cardInput ? cardInput.value.replace(/\s+/g, "") : "";
        if (!number) {
          return Promise.resolve({
            error: { type: "validation_error", message: "Your card number is incomplete." },
          });
        }
        return post(intentId() + "/confirm", {
          key: key,
          client_secret: clientSecret,
          return_url: returnUrl,
          "payment_method_data[type]": "card",
          "payment_method_data[card][number]": number,
        }).then(function (intent) {
          if (intent.error) return { error: intent.error };
          if (intent.status === "requires_action") return authenticate(returnUrl);
          return redirect(returnUrl, intent.status === "requires_payment_method" ? "failed" : "succeeded");
        });
      },
    };
  };
})();
