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

  // The opening-hours editor: add, copy and remove time blocks of a Django formset in the page.
  function renumber(row, index) {
    row.innerHTML = row.innerHTML.replace(/__prefix__/g, String(index)).replace(/__num__/g, String(index + 1));
  }

  function newRow(prefix) {
    var template = document.getElementById(prefix + "-empty");
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    var rows = document.getElementById(prefix + "-rows");
    if (!template || !total || !rows) { return null; }
    var index = parseInt(total.value, 10) || 0;
    var holder = document.createElement("div");
    holder.innerHTML = template.innerHTML;
    var row = holder.firstElementChild;
    renumber(row, index);
    rows.appendChild(row);
    total.value = String(index + 1);
    bindRows(row);
    return row;
  }

  function copyValues(from, to) {
    var source = from.querySelectorAll("input, select, textarea");
    var target = to.querySelectorAll("input, select, textarea");
    for (var i = 0; i < source.length && i < target.length; i++) {
      var name = source[i].name || "";
      if (/-(weekdays|DELETE)$/.test(name)) { continue; }
      if (source[i].type === "checkbox") { target[i].checked = source[i].checked; } else { target[i].value = source[i].value; }
    }
  }

  function syncNextDay(row) {
    row.querySelectorAll("[data-next-day]").forEach(function (box) {
      var mark = row.querySelector(".next-day-mark");
      if (mark) { mark.hidden = !box.checked; }
    });
  }

  function bindRows(root) {
    (root || document).querySelectorAll("[data-row]").forEach(function (row) {
      if (row.dataset.rowBound) { return; }
      row.dataset.rowBound = "1";
      row.querySelectorAll(".js-only").forEach(function (el) { el.hidden = false; });
      row.querySelectorAll("[data-next-day]").forEach(function (box) {
        box.addEventListener("change", function () { syncNextDay(row); });
      });
      syncNextDay(row);
      var copy = row.querySelector("[data-copy-row]");
      if (copy) {
        copy.addEventListener("click", function () {
          var added = newRow("hours");
          if (!added) { return; }
          copyValues(row, added);
          syncNextDay(added);
          var firstDay = added.querySelector("input[type=checkbox]");
          if (firstDay) { firstDay.focus(); }
        });
      }
      var remove = row.querySelector("[data-remove-row]");
      if (remove) {
        remove.addEventListener("click", function () {
          var box = row.querySelector("input[name$='-DELETE']");
          if (box) { box.checked = true; }
          row.hidden = true;
          var add = document.querySelector("[data-add-row]");
          if (add) { add.focus(); }
        });
      }
    });
  }

  function bindAdd(root) {
    (root || document).querySelectorAll("[data-add-row]").forEach(function (button) {
      if (button.dataset.addBound) { return; }
      button.dataset.addBound = "1";
      button.addEventListener("click", function (event) {
        var added = newRow(button.getAttribute("data-add-row"));
        if (!added) { return; }  // no template: the server adds the row (the button submits)
        event.preventDefault();
        var first = added.querySelector("input[type=checkbox]");
        if (first) { first.focus(); }
      });
    });
  }

  // The location picker: a tap on the district map sets latitude and longitude (GCJ-02, like the points).
  function bindPicker(root) {
    var map = (root || document).querySelector ? (root || document).querySelector("#location-map") : null;
    if (!map || map.dataset.pickerBound) { return; }
    map.dataset.pickerBound = "1";
    var lat = document.getElementById("id_lat"), lon = document.getElementById("id_lon");
    var marker = document.getElementById("location-marker");
    var lat0 = parseFloat(map.dataset.lat0), lon0 = parseFloat(map.dataset.lon0);
    var span = parseFloat(map.dataset.span), margin = parseFloat(map.dataset.margin);
    var size = parseFloat(map.dataset.size), inner = size - 2 * margin;
    function place() {
      var la = parseFloat(lat && lat.value), lo = parseFloat(lon && lon.value);
      if (isNaN(la) || isNaN(lo) || !marker) { if (marker) { marker.setAttribute("visibility", "hidden"); } return; }
      var x = margin + (lo - lon0) / span * inner, y = size - margin - (la - lat0) / span * inner;
      marker.setAttribute("transform", "translate(" + x.toFixed(1) + " " + y.toFixed(1) + ")");
      marker.setAttribute("visibility", "visible");
    }
    map.addEventListener("click", function (event) {
      var point = map.createSVGPoint();
      point.x = event.clientX; point.y = event.clientY;
      var local = point.matrixTransform(map.getScreenCTM().inverse());
      if (lat && lon) {
        lon.value = (lon0 + (local.x - margin) / inner * span).toFixed(6);
        lat.value = (lat0 + (size - margin - local.y) / inner * span).toFixed(6);
      }
      place();
    });
    [lat, lon].forEach(function (input) { if (input) { input.addEventListener("input", place); } });
    place();
  }

  function init(root) {
    document.documentElement.classList.add("js");
    syncShown(root); bindCopy(root); bindRows(root); bindAdd(root); bindPicker(root);
  }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSettle", function (event) { init(event.detail && event.detail.elt); });
  // Print buttons (`data-print`): no inline handlers, so the Content-Security-Policy holds.
  document.addEventListener("click", function (event) {
    var button = event.target && event.target.closest && event.target.closest("[data-print]");
    if (button) { window.print(); }
  });
})();
