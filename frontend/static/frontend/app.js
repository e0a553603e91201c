// Small helpers on top of htmx; every page also works without JavaScript.
(function () {
  "use strict";
  // After htmx swaps in content, move focus to the first invalid field (autofocus is honoured only on load).
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.elt;
    var first = target && target.querySelector && target.querySelector("[aria-invalid=true]");
    if (first) { first.focus(); }
  });
  // Print buttons (`data-print`): no inline handlers, so the Content-Security-Policy holds.
  document.addEventListener("click", function (event) {
    var button = event.target && event.target.closest && event.target.closest("[data-print]");
    if (button) { window.print(); }
  });
})();
