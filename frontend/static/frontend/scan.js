// The gate's camera: scan a resident's check-in QR code with the phone's camera where the browser has the
// BarcodeDetector API (Chrome on Android, Safari 17+ behind a flag...). Typing the 6 digits always stays;
// without the API the button stays hidden. No library, nothing from another site.
(function () {
  "use strict";
  var DIGITS = /^\s*(\d{6})\s*$/;

  function stop(state) {
    state.running = false;
    if (state.stream) { state.stream.getTracks().forEach(function (t) { t.stop(); }); state.stream = null; }
    if (state.video) { state.video.hidden = true; state.video.srcObject = null; }
    if (state.button) { state.button.setAttribute("aria-pressed", "false"); }
  }

  function bind(root) {
    if (!("BarcodeDetector" in window) || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { return; }
    (root || document).querySelectorAll("[data-scan]").forEach(function (button) {
      if (button.dataset.scanBound) { return; }
      button.dataset.scanBound = "1";
      var form = button.closest("form");
      var input = form && form.querySelector("input[name=code]");
      var video = document.getElementById(button.getAttribute("data-scan"));
      var status = document.getElementById(button.getAttribute("data-scan") + "-status");
      if (!form || !input || !video) { return; }
      button.hidden = false;
      var state = {running: false, stream: null, video: video, button: button};
      var detector;
      try { detector = new window.BarcodeDetector({formats: ["qr_code"]}); } catch (e) { button.hidden = true; return; }

      function found(code) {
        stop(state);
        input.value = code;
        if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
      }

      function look() {
        if (!state.running) { return; }
        detector.detect(video).then(function (codes) {
          for (var i = 0; i < codes.length; i++) {
            var match = DIGITS.exec(codes[i].rawValue || "");
            if (match) { found(match[1]); return; }
          }
          window.setTimeout(look, 200);
        }, function () { window.setTimeout(look, 400); });
      }

      button.addEventListener("click", function () {
        if (state.running) { stop(state); return; }
        navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}, audio: false}).then(function (stream) {
          state.stream = stream; state.running = true;
          video.srcObject = stream; video.hidden = false;
          button.setAttribute("aria-pressed", "true");
          if (status) { status.textContent = button.getAttribute("data-scanning") || ""; }
          var play = video.play();
          if (play && play.then) { play.then(look, look); } else { look(); }
        }, function () {
          if (status) { status.textContent = button.getAttribute("data-denied") || ""; }
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { bind(document); });
  document.addEventListener("htmx:afterSettle", function (event) { bind(event.detail && event.detail.elt); });
})();
