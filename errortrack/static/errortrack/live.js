// Live updates for the issue stream and the issue page (errortrack/consumers.py).
// The page marks what it shows with data-live-projects (and data-live-issue on an issue page);
// new rows arrive as HTML the server rendered and escaped, counts as plain values.
(function () {
  "use strict";
  var root = document.querySelector("[data-live-projects]");
  if (!root || !("WebSocket" in window)) {
    return;
  }
  var params = new URLSearchParams({ projects: root.dataset.liveProjects });
  if (root.dataset.liveIssue) {
    params.set("issue", root.dataset.liveIssue);
  }
  // The stream's effective query (with its environment filter), so new rows match the page.
  var query = root.dataset.liveQuery;
  if (query === undefined) {
    query = new URLSearchParams(window.location.search).get("query");
  }
  if (query !== null && query !== undefined) {
    params.set("query", query);
  }
  if (root.dataset.statsPeriod) {
    params.set("stats", root.dataset.statsPeriod);
  }
  var scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  var delay = 1000;
  // The server time of what the page last heard (at first, when it was rendered): on each
  // (re)connection the server first sends what changed since then.
  var since = root.dataset.liveSince;

  function setText(scope, selector, value) {
    var element = scope.querySelector(selector);
    if (element) {
      element.textContent = String(value);
    }
  }

  function addRows(rows) {
    var body = document.getElementById("issue-rows");
    // New rows go on top only where the page is sorted so (page 1, by last or first seen).
    if (!body || body.dataset.liveInsert !== "true") {
      return;
    }
    rows.forEach(function (row) {
      if (document.getElementById("issue-" + row.id)) {
        return;
      }
      var template = document.createElement("template");
      template.innerHTML = row.html.trim();
      var element = template.content.firstElementChild;
      if (element) {
        element.classList.add("live-new");
        body.prepend(element);
      }
    });
    var empty = document.getElementById("issue-rows-empty");
    if (empty && rows.length) {
      empty.remove();
    }
  }

  function updateCounts(counts) {
    counts.forEach(function (count) {
      var scope = document.getElementById("issue-" + count.id);
      if (!scope && root.dataset.liveIssue === count.id) {
        scope = root;
      }
      if (!scope) {
        return;
      }
      setText(scope, ".issue-count", count.count);
      setText(scope, ".issue-users", count.users);
      if (count.status) {
        var status = scope.querySelector(".issue-status");
        if (status && !status.classList.contains("status-" + count.status)) {
          status.className = "badge issue-status status-" + count.status;
          status.textContent = count.status.charAt(0).toUpperCase() + count.status.slice(1);
        }
        if (scope.tagName === "TR") {
          scope.className = scope.className.replace(/\bstatus-\S+/, "status-" + count.status);
        }
      }
      var time = scope.querySelector("time.issue-last-seen");
      if (time) {
        time.setAttribute("datetime", count.lastSeen);
        time.textContent = count.lastSeenText;
      }
    });
  }

  function connect() {
    if (since) {
      params.set("since", since);
    }
    var socket = new WebSocket(scheme + "//" + window.location.host + "/ws/live/?" + params);
    socket.onopen = function () {
      delay = 1000;
      document.body.dataset.live = "connected";
    };
    socket.onmessage = function (message) {
      var update = JSON.parse(message.data);
      addRows(update.rows || []);
      updateCounts(update.counts || []);
      if (update.at) {
        since = update.at;
      }
    };
    socket.onclose = function () {
      document.body.dataset.live = "disconnected";
      window.setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }

  connect();
})();
