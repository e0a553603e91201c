// Small helpers on top of htmx; every page also works without JavaScript.
(function () {
  "use strict";
  // After htmx swaps in content, move focus to the first invalid field (autofocus is honoured only on load).
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.elt;
    var first = target && target.querySelector && target.querySelector("[aria-invalid=true]");
    if (first) { first.focus(); }
  });

  // Fields shown only while a box is ticked (data-shown-by="<checkbox id>"): the weekly-booking days.
  function syncShown(root) {
    (root || document).querySelectorAll("[data-shown-by]").forEach(function (block) {
      var box = document.getElementById(block.getAttribute("data-shown-by"));
      if (!box) { return; }
      var update = function () { block.hidden = !box.checked && !block.querySelector("[aria-invalid=true]"); };
      if (!box.dataset.shownBound) {
        box.addEventListener("change", update);
        box.dataset.shownBound = "1";
      }
      update();
    });
  }

  // Copy buttons: data-copy="<id of an input or element>" copies its value or text.
  function bindCopy(root) {
    (root || document).querySelectorAll("[data-copy]").forEach(function (button) {
      if (button.dataset.copyBound) { return; }
      button.dataset.copyBound = "1";
      button.hidden = false;
      button.addEventListener("click", function () {
        var source = document.getElementById(button.getAttribute("data-copy"));
        if (!source) { return; }
        var text = source.value !== undefined ? source.value : source.textContent;
        var done = function () {
          var status = document.getElementById(button.getAttribute("data-copy") + "-status");
          if (status) { status.textContent = button.getAttribute("data-copied") || ""; }
        };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(text).then(done, function () { source.select && source.select(); });
        } else if (source.select) {
          source.select();
          try { document.execCommand("copy"); done(); } catch (e) { /* the text stays selected */ }
        }
      });
    });
  }

  function init(root) { syncShown(root); bindCopy(root); }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSettle", function (event) { init(event.detail && event.detail.elt); });
})();
