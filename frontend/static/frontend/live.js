// Live updates for the web app: GraphQL subscriptions over Server-Sent Events (POST /graphql/stream,
// graphql-sse distinct connections mode). EventSource cannot POST, so this reads a fetch() body stream.
// Pages opt in with data attributes; without JavaScript they work as before (a reload shows the news).
//   [data-live-slots][data-resource][data-week]  slotsChanged for that week: the element is re-fetched
//                                                from the page (places left, full/free) on each change
//   [data-live-run]                              matchRunProgress: fires htmx's "live-update" on #run
//   [data-live-notifications]                    notificationAdded: the badge counts new messages, and
//                                                [data-live-refresh] regions (a booking's status) re-fetch
(function () {
  "use strict";
  // The stream's address comes from the page (<body data-live-stream>, settings.LIVE_STREAM_URL); none: no
  // stream process serves this site, and the page stays as it is until a reload.
  var STREAM = document.body.getAttribute("data-live-stream") || "";

  function csrf() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; }
    catch (e) { return ""; }
  }

  // Calls onNext(result) for each `next` event; reconnects (with back-off) when the stream fails or
  // ends without `complete`; onOpen() runs on every (re)connection, so the page can re-read what it missed.
  function subscribe(query, variables, onNext, onOpen) {
    var delay = 1000;
    function connect() {
      fetch(STREAM, {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "Accept": "text/event-stream", "X-CSRFToken": csrf()},
        body: JSON.stringify({query: query, variables: variables})
      }).then(function (response) {
        if (!response.ok || !response.body) { throw new Error("HTTP " + response.status); }
        var reader = response.body.getReader(), decoder = new TextDecoder(), buffer = "", completed = false;
        if (onOpen) { onOpen(); }
        function pump() {
          return reader.read().then(function (chunk) {
            if (chunk.done) { return completed; }
            buffer += decoder.decode(chunk.value, {stream: true});
            var parts = buffer.split("\n\n");
            buffer = parts.pop();
            parts.forEach(function (block) {
              var name = "message", data = "";
              block.split("\n").forEach(function (line) {
                if (line.indexOf("event:") === 0) { name = line.slice(6).trim(); }
                else if (line.indexOf("data:") === 0) { data += line.slice(5).trim(); }
              });
              if (name === "complete") { completed = true; }
              else if (name === "next" && data) {
                var result = JSON.parse(data);
                if (result.errors && !result.data) { completed = !isRetryable(result); }
                else { delay = 1000; onNext(result); }
              }
            });
            return pump();
          });
        }
        return pump();
      }).then(function (completed) {
        if (!completed) { retry(); }
      }, retry);
    }
    function isRetryable(result) {
      return result.errors.some(function (e) { return (e.extensions || {}).code === "UNAVAILABLE"; });
    }
    function retry() {
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    }
    connect();
  }

  function refetch(selector) {
    fetch(location.href, {credentials: "same-origin"}).then(function (r) { return r.text(); }).then(function (html) {
      var fresh = new DOMParser().parseFromString(html, "text/html");
      document.querySelectorAll(selector).forEach(function (el, i) {
        var replacement = fresh.querySelectorAll(selector)[i];
        if (replacement) { el.innerHTML = replacement.innerHTML; }
      });
    });
  }

  function liveSlots(el) {
    var from = new Date(el.dataset.week + "T00:00:00+08:00");
    var to = new Date(from.getTime() + 7 * 24 * 3600 * 1000);
    var pending = null;
    subscribe("subscription($r: ID!, $from: DateTime!, $to: DateTime!) { " +
              "slotsChanged(resourceId: $r, from: $from, to: $to) { id remaining closed } }",
              {r: el.dataset.resource, from: from.toISOString(), to: to.toISOString()},
              function () {
                // coalesce a burst of changes into one re-read of the week
                if (pending === null) { pending = setTimeout(function () { pending = null; refetch("[data-live-slots]"); }, 300); }
              });
  }

  function liveRun(el) {
    subscribe("subscription($id: ID!) { matchRunProgress(id: $id) { status progress } }", {id: el.dataset.liveRun},
              function () {
                var run = document.getElementById("run");
                if (run && window.htmx) { window.htmx.trigger(run, "live-update"); }
              });
  }

  function liveNotifications(badge) {
    var count = 0;
    subscribe("subscription { notificationAdded { id kind } }", {}, function () {
      count += 1;
      badge.textContent = String(count);
      badge.hidden = false;
      if (document.querySelector("[data-live-refresh]")) { refetch("[data-live-refresh]"); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.fetch || !window.ReadableStream || !window.TextDecoder) { return; }
    if (!STREAM) { return; }
    document.querySelectorAll("[data-live-slots]").forEach(liveSlots);
    document.querySelectorAll("[data-live-run]").forEach(liveRun);
    document.querySelectorAll("[data-live-notifications]").forEach(liveNotifications);
  });
})();
