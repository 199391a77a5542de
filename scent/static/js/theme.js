// Theme switching without a page load. The forms work on their own (POST /theme/ sets the
// cookie and redirects back); this switches the colours at once and posts the same form
// in the background so the choice is remembered.
(function () {
  "use strict";
  var root = document.documentElement;
  var meta = document.querySelector('meta[name="color-scheme"]');

  function apply(theme) {
    root.setAttribute("data-theme", theme);
    if (meta) meta.setAttribute("content", theme === "system" ? "light dark" : theme);
    document.querySelectorAll("[data-theme-form] button[aria-pressed]").forEach(function (b) {
      b.setAttribute("aria-pressed", b.value === theme ? "true" : "false");
    });
  }

  function visible(el) {
    return el.offsetParent !== null || el.getClientRects().length > 0;
  }

  // Not remembered (an expired CSRF token, say): send the plain form, which reloads the page.
  function fallback(form, theme) {
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = "theme";
    input.value = theme;
    form.appendChild(input);
    form.submit(); // submit() fires no submit event, so this handler does not run again
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("[data-theme-form]")) return;
    var button = event.submitter;
    if (!button || !button.value || !window.fetch) return;
    event.preventDefault();
    var data = new FormData(form);
    data.set("theme", button.value);
    apply(button.value);
    // The header toggle swaps its button (moon <-> sun): keep keyboard focus on the toggle.
    if (!visible(button)) {
      var other = Array.prototype.find.call(form.querySelectorAll("button"), visible);
      if (other) other.focus();
    }
    fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
    }).then(function (response) {
      if (!response.ok) fallback(form, button.value);
    }, function () {
      fallback(form, button.value);
    });
  });
})();
