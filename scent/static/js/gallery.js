// Product gallery: thumbnails scroll the picture strip in place instead of jumping the page.
// Without JavaScript the thumbnails are plain #photo-N links and still work.
(function () {
  "use strict";
  var reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  document.querySelectorAll("[data-gallery]").forEach(function (gallery) {
    var strip = gallery.querySelector(".gallery-main");
    var thumbs = gallery.querySelectorAll("[data-gallery-thumb]");
    if (!strip || !thumbs.length) return;
    thumbs.forEach(function (thumb) {
      thumb.addEventListener("click", function (event) {
        var slide = document.getElementById(thumb.getAttribute("href").slice(1));
        if (!slide) return;
        event.preventDefault();
        strip.scrollTo({ left: slide.offsetLeft - strip.offsetLeft, behavior: reduceMotion ? "auto" : "smooth" });
        thumbs.forEach(function (other) { other.removeAttribute("aria-current"); });
        thumb.setAttribute("aria-current", "true");
      });
    });
  });
})();
