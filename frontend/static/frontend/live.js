// Live updates for the web app: GraphQL subscriptions over Server-Sent Events (POST /graphql/stream,
// graphql-sse distinct connections mode). EventSource cannot POST, so this reads a fetch() body stream.
// Pages opt in with data attributes; without JavaScript they work as before (a reload shows the news).
//   [data-live-slots][data-resource][data-week]  slotsChanged for that week: the element is re-fetched
//                                                from the page (places left, full/free) on each change
//   [data-live-run]                              matchRunProgress: #run is replaced by its fragment
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

  // One re-read at a time: a change announced while a re-read is under way runs one more afterwards. Without
  // this a change that arrived mid-request was lost (htmx drops a trigger on an element that is already
  // requesting, and that request may have read the state before the change), or an older answer landed last.
  function serial(read) {
    var busy = false, again = false;
    function run() {
      if (busy) { again = true; return; }
      busy = true;
      again = false;
      read().catch(function () {}).then(function () {
        busy = false;
        if (again) { run(); }
      });
    }
    return run;
  }

  function refetcher(selector) {
    return serial(function () {
      return fetch(location.href, {credentials: "same-origin"}).then(function (r) {
        if (!r.ok) { throw new Error("HTTP " + r.status); }
        return r.text();
      }).then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll(selector).forEach(function (el, i) {
          var replacement = fresh.querySelectorAll(selector)[i];
          if (replacement) { el.innerHTML = replacement.innerHTML; }
        });
      });
    });
  }

  function liveSlots(el) {
    var from = new Date(el.dataset.week + "T00:00:00+08:00");
    var to = new Date(from.getTime() + 7 * 24 * 3600 * 1000);
    var pending = null, refetch = refetcher("[data-live-slots]");
    subscribe("subscription($r: ID!, $from: DateTime!, $to: DateTime!) { " +
              "slotsChanged(resourceId: $r, from: $from, to: $to) { id remaining closed } }",
              {r: el.dataset.resource, from: from.toISOString(), to: to.toISOString()},
              function () {
                // coalesce a burst of changes into one re-read of the week
                if (pending === null) { pending = setTimeout(function () { pending = null; refetch(); }, 300); }
              });
  }

  // The run's fragment (#run's hx-get, rendered for htmx) replaces #run after each event, one at a time;
  // once the run has ended the fragment carries no data-live-run and the stream completes.
  function liveRun(el) {
    var url = el.getAttribute("hx-get") || location.pathname;
    var refresh = serial(function () {
      return fetch(url, {credentials: "same-origin", headers: {"HX-Request": "true"}}).then(function (r) {
        if (!r.ok) { throw new Error("HTTP " + r.status); }
        return r.text();
      }).then(function (html) {
        var run = document.getElementById("run");
        if (!run) { return; }
        run.outerHTML = html;
        if (window.htmx) { window.htmx.process(document.getElementById("run")); }
      });
    });
    subscribe("subscription($id: ID!) { matchRunProgress(id: $id) { status progress } }", {id: el.dataset.liveRun},
              refresh);
  }

  function liveNotifications(badge) {
    var count = 0, refreshStatus = refetcher("[data-live-refresh]");
    subscribe("subscription { notificationAdded { id kind } }", {}, function () {
      count += 1;
      badge.textContent = String(count);
      badge.hidden = false;
      if (document.querySelector("[data-live-refresh]")) { refreshStatus(); }
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
