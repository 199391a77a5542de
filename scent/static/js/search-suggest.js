/* Search as you type: the header's search box becomes a combobox (ARIA 1.2 pattern) that
   lists matching products and catalogue words from /search/suggest/. Arrow keys move
   through the list, Enter opens the product (or searches for the word), Escape closes it.
   Without this script the box is a plain search form. */
(function () {
  "use strict";
  var form = document.querySelector("form.site-search");
  var input = form && form.querySelector("input[name=q]");
  if (!input || !window.fetch) return;
  var endpoint = form.getAttribute("data-suggest-url");
  if (!endpoint) return;

  var list = document.createElement("ul");
  list.id = "site-search-suggestions";
  list.className = "search-suggestions";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", "Suggestions");
  list.hidden = true;
  form.appendChild(list);
  var status = document.createElement("p");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  form.appendChild(status);

  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", list.id);
  input.setAttribute("autocomplete", "off");

  var active = -1;
  var timer = null;
  var asked = "";

  function options() {
    return list.querySelectorAll("[role=option]");
  }

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function highlight(index) {
    var all = options();
    if (!all.length) return;
    active = (index + all.length) % all.length;
    all.forEach(function (option, i) {
      option.setAttribute("aria-selected", i === active ? "true" : "false");
    });
    input.setAttribute("aria-activedescendant", all[active].id);
    all[active].scrollIntoView({ block: "nearest" });
  }

  function option(id, href, text, detail) {
    var li = document.createElement("li");
    li.id = id;
    li.setAttribute("role", "option");
    li.setAttribute("aria-selected", "false");
    li.dataset.href = href;
    var name = document.createElement("span");
    name.className = "suggestion-name";
    name.textContent = text;
    li.appendChild(name);
    if (detail) {
      var extra = document.createElement("span");
      extra.className = "suggestion-detail";
      extra.textContent = detail;
      li.appendChild(extra);
    }
    li.addEventListener("mousedown", function (event) {
      event.preventDefault(); // keep the focus in the box
      window.location.href = href;
    });
    return li;
  }

  function show(answer) {
    list.replaceChildren();
    var searchUrl = form.getAttribute("action") + "?q=";
    answer.products.forEach(function (product, i) {
      list.appendChild(option("suggestion-p" + i, product.url, product.name, product.price));
    });
    answer.terms.forEach(function (term, i) {
      list.appendChild(
        option("suggestion-t" + i, searchUrl + encodeURIComponent(term), term, "Search")
      );
    });
    var count = options().length;
    status.textContent = count
      ? count + (count === 1 ? " suggestion" : " suggestions") + ", use the arrow keys"
      : "";
    active = -1;
    input.removeAttribute("aria-activedescendant");
    list.hidden = !count;
    input.setAttribute("aria-expanded", count ? "true" : "false");
  }

  function ask() {
    var q = input.value.trim();
    if (q.length < 2) {
      asked = q;
      close();
      return;
    }
    if (q === asked) return;
    asked = q;
    fetch(endpoint + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : { products: [], terms: [] };
      })
      .then(function (answer) {
        if (q === input.value.trim()) show(answer);
      })
      .catch(close);
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 150);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (list.hidden) return;
      event.preventDefault();
      highlight(active + (event.key === "ArrowDown" ? 1 : -1));
    } else if (event.key === "Enter" && active >= 0 && !list.hidden) {
      event.preventDefault();
      window.location.href = options()[active].dataset.href;
    } else if (event.key === "Escape" && !list.hidden) {
      event.preventDefault();
      close();
    }
  });
  input.addEventListener("blur", function () {
    setTimeout(close, 100);
  });
})();
