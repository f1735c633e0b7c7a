// Live updates for the issue stream and the issue page (errortrack/live/consumer.py).
// The page marks what it shows with data-live-projects (and data-live-issue on an issue page).
// Rows and the activity log arrive as HTML the server rendered and escaped; everything else
// (counts, names, links) as plain values, set with textContent and attributes only.
// Each message applied bumps body[data-live-applied] (a browser test waits on it).
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
  var applied = 0;

  function setText(scope, selector, value) {
    var element = scope.querySelector(selector);
    if (element) {
      element.textContent = String(value);
    }
  }

  function fromHtml(html) {
    var template = document.createElement("template");
    template.innerHTML = String(html).trim();
    return template.content.firstElementChild;
  }

  function streamRow(id) {
    var row = document.getElementById("issue-" + id);
    return row && row.tagName === "TR" ? row : null;
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
      var element = fromHtml(row.html);
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

  // Rows the page shows whose assignee, bookmark or status changed: redrawn in place, the
  // selection kept.
  function updateRows(rows) {
    rows.forEach(function (row) {
      var old = streamRow(row.id);
      var element = old && fromHtml(row.html);
      if (!element) {
        return;
      }
      var wasSelected = old.querySelector("input[type=checkbox]");
      var selection = element.querySelector("input[type=checkbox]");
      if (wasSelected && selection) {
        selection.checked = wasSelected.checked;
      }
      element.classList.add("live-updated");
      old.replaceWith(element);
    });
  }

  function isLocalPath(url) {
    return typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/";
  }

  // The issue page of an issue that is gone: a notice first in the page (#issue-gone), with a
  // link to the issue it was merged into (#issue-gone-parent).
  function showGone(gone) {
    var old = document.getElementById("issue-gone");
    if (old) {
      old.remove();
    }
    var notice = document.createElement("p");
    notice.id = "issue-gone";
    notice.className = "card issue-gone";
    notice.setAttribute("role", "alert");
    notice.dataset.reason = gone.reason;
    if (gone.reason === "merged" && gone.parent && isLocalPath(gone.parent.url)) {
      var link = document.createElement("a");
      link.id = "issue-gone-parent";
      link.href = gone.parent.url;
      link.textContent = gone.parent.shortId;
      notice.append("This issue was merged into ", link, ".");
    } else if (gone.reason === "merged") {
      notice.textContent = "This issue was merged into another issue.";
    } else {
      notice.textContent = "This issue was deleted.";
    }
    root.dataset.liveGone = gone.reason;
    root.prepend(notice);
  }

  function removeIssues(removed) {
    removed.forEach(function (gone) {
      if (root.dataset.liveIssue === gone.id) {
        showGone(gone);
        return;
      }
      var row = streamRow(gone.id);
      if (row) {
        row.remove();
      }
    });
  }

  // The issue page's own issue was triaged: its activity log (new entries marked), assignee
  // and the viewer's bookmark.
  function updateDetail(detail) {
    if (!detail || root.dataset.liveIssue !== detail.id) {
      return;
    }
    var log = document.getElementById("activity-log");
    var fresh = log && fromHtml(detail.activityHtml);
    if (fresh) {
      Array.prototype.forEach.call(fresh.children, function (entry) {
        if (entry.id && !document.getElementById(entry.id)) {
          entry.classList.add("live-new");
        }
      });
      log.replaceWith(fresh);
    }
    var assignee = document.getElementById("issue-assignee");
    if (assignee) {
      setText(assignee, ".issue-assignee-name", detail.assignee || "");
      assignee.hidden = !detail.assignee;
    }
    var bookmarked = document.getElementById("issue-bookmarked");
    if (bookmarked) {
      bookmarked.hidden = !detail.bookmarked;
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
      updateRows(update.rowUpdates || []);
      removeIssues(update.removed || []);
      updateCounts(update.counts || []);
      updateDetail(update.detail);
      if (update.at) {
        since = update.at;
      }
      applied += 1;
      document.body.dataset.liveApplied = String(applied);
    };
    socket.onclose = function () {
      document.body.dataset.live = "disconnected";
      window.setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }

  connect();
})();
