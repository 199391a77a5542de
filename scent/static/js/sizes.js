/* Product page sizes: the price, compare-at price, stock badge, SKU and quantity limit
   follow the chosen size at once. Without this script the form still posts the size. */
(function () {
  "use strict";
  var form = document.querySelector("form.add-to-cart");
  if (!form) return;
  var price = document.querySelector("[data-size-price]");
  var now = price && price.querySelector("[data-price-now]");
  var was = price && price.querySelector("[data-price-was]");
  var stock = document.querySelector("[data-size-stock]");
  var sku = document.querySelector("[data-size-sku]");
  var buy = form.querySelector("fieldset:not(.size-choice)");
  var button = buy && buy.querySelector("button[type=submit]");
  var quantity = form.querySelector("input[name=quantity]");

  function show(radio) {
    var d = radio.dataset;
    if (now) now.textContent = d.price;
    if (was) {
      was.textContent = d.was;
      was.parentElement.hidden = !d.was;
      price.classList.toggle("price-sale", !!d.was);
    }
    if (stock) {
      var badge = document.createElement("span");
      badge.className = "badge " + d.stockClass;
      badge.textContent = d.stock;
      stock.replaceChildren(badge);
    }
    if (sku) sku.textContent = d.sku;
    var soldOut = d.stockClass === "badge-soldout";
    if (buy) buy.disabled = soldOut;
    if (button) button.textContent = soldOut ? "Sold out" : "Add to cart";
    if (quantity) {
      quantity.max = d.max;
      if (Number(quantity.value) > Number(d.max)) quantity.value = d.max;
    }
  }

  form.addEventListener("change", function (event) {
    if (event.target.name === "variant_id" && event.target.checked) show(event.target);
  });
  var checked = form.querySelector("input[name=variant_id]:checked");
  if (checked) show(checked);
})();
