// katapp offline banner: what waits on this phone, what failed, and the one-off notices
// ("Saved on this phone…", "Sent 2…"); it also sends the queue when the page opens, when the
// network returns and when the service worker says the queue changed.
// Loaded on every page after offline-queue.js; defines self.KatappBanner for offline-forms.js.
(function (root) {
  "use strict";

  if (typeof document === "undefined") { return; }
  var Queue = root.KatappQueue;
  var userId = document.body ? document.body.getAttribute("data-user-id") : null;
  var banner = document.querySelector("[data-offline-status]");
  var notice = ""; // a one-off message for the banner ("Saved on this phone…", "Sent 2…")
  var noticeTimer = null;
  var retryTimer = null;

  function say(message, seconds) {
    notice = message;
    if (noticeTimer) { clearTimeout(noticeTimer); }
    noticeTimer = seconds ? setTimeout(function () { notice = ""; render(); }, seconds * 1000) : null;
  }

  function reveal() {
    if (banner && banner.scrollIntoView) { banner.scrollIntoView({ block: "nearest" }); }
  }

  // --- The banner ----------------------------------------------------------------------------------
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text != null) { node.textContent = text; }
    return node;
  }

  function when(iso) {
    try {
      return new Date(iso).toLocaleString(undefined, { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
    } catch (err) {
      return iso;
    }
  }

  var PROBLEM_TEXT = {
    invalid: "The server could not accept this",
    conflict: "This clashes with an entry already sent",
    rejected: "The server refused this"
  };

  function problemItem(item) {
    var li = el("li", { class: "offline-problem" });
    var label = String(item.label || "entry");
    li.appendChild(el("p", { class: "offline-problem-title" }, label.charAt(0).toUpperCase() + label.slice(1) + " from " + when(item.created)));
    li.appendChild(el("p", {}, (PROBLEM_TEXT[item.status] || "Not sent") + ": " + (item.error || "") + "."));
    var fields = item.fields || {};
    var names = Object.keys(fields);
    if (names.length) {
      var ul = el("ul", { class: "offline-problem-fields" });
      names.forEach(function (name) { ul.appendChild(el("li", {}, name.replace(/_/g, " ") + ": " + fields[name])); });
      li.appendChild(ul);
    }
    var actions = el("p", { class: "offline-problem-actions" });
    var form = document.querySelector('form[data-offline-api="' + CSS.escape(item.api) + '"]');
    if (form && item.status === "invalid") {
      var edit = el("button", { type: "button", class: "button", "data-offline-edit": item.client_id }, "Fix it in the form");
      actions.appendChild(edit);
    }
    actions.appendChild(el("button", { type: "button", class: "button danger", "data-offline-discard": item.client_id }, "Discard"));
    li.appendChild(actions);
    return li;
  }

  var lastSignature = null;
  var problemsOpen = false;

  async function render() {
    if (!banner) { return; }
    var items = [];
    if (userId) {
      try { items = await Queue.itemsFor(userId); } catch (err) { items = []; }
    }
    var waiting = items.filter(function (i) { return i.status === "waiting"; }).length;
    var auth = items.filter(function (i) { return i.status === "auth"; }).length;
    var problems = items.filter(function (i) { return !Queue.SENDABLE[i.status]; });
    var offline = navigator.onLine === false;
    var signature = JSON.stringify([waiting, auth, offline, notice, problems.map(function (p) { return [p.client_id, p.status]; })]);
    if (signature === lastSignature) { return; }
    lastSignature = signature;

    banner.textContent = "";
    var active = waiting + auth + problems.length > 0 || offline || !!notice;
    banner.classList.toggle("is-active", active);
    banner.classList.toggle("is-offline", offline);
    banner.classList.toggle("has-problems", problems.length > 0);
    // Everything delivered, nothing waiting: a calm "done" colour, not the waiting one.
    banner.classList.toggle("is-done", !offline && !!notice && waiting + auth + problems.length === 0);
    if (!active) { return; }

    var line = el("p", { class: "offline-status-line" });
    var parts = [];
    if (offline) { parts.push("You are offline."); }
    if (notice) {
      parts.push(notice);
    } else if (waiting) {
      parts.push("Saved on this phone — will send when online.");
    } else if (offline && !auth) {
      parts.push("What you save is kept on this phone.");
    }
    line.appendChild(document.createTextNode(parts.join(" ")));
    if (waiting + auth) {
      line.appendChild(document.createTextNode(" "));
      line.appendChild(el("strong", { class: "offline-count" }, "waiting: " + (waiting + auth)));
    }
    banner.appendChild(line);
    if (auth) {
      var next = root.location.pathname + root.location.search;
      var link = el("a", { href: "/login?next=" + encodeURIComponent(next), class: "offline-signin" }, "Sign in to send " + auth + " waiting");
      banner.appendChild(el("p", { class: "offline-status-line" })).appendChild(link);
    }
    if (problems.length) {
      // Folded, so the sticky banner stays one or two lines tall while the patient scrolls.
      var details = el("details", { class: "offline-problems-box" });
      if (problemsOpen) { details.open = true; }
      details.addEventListener("toggle", function () { problemsOpen = details.open; });
      details.appendChild(el("summary", {},
        problems.length === 1 ? "1 saved entry needs your attention" : problems.length + " saved entries need your attention"));
      var list = el("ul", { class: "offline-problems" });
      problems.forEach(function (p) { list.appendChild(problemItem(p)); });
      details.appendChild(list);
      banner.appendChild(details);
    }
  }

  function refresh() { lastSignature = null; return render(); }

  async function onBannerClick(event) {
    var button = event.target.closest("button");
    if (!button) { return; }
    var editId = button.getAttribute("data-offline-edit");
    var discardId = button.getAttribute("data-offline-discard");
    var items = await Queue.itemsFor(userId);
    var item = items.filter(function (i) { return i.client_id === (editId || discardId); })[0];
    if (!item) { return refresh(); }
    if (discardId) {
      if (!root.confirm("Discard this " + item.label + " from " + when(item.created) + "? It was never sent and cannot be recovered.")) { return null; }
      await Queue.remove(item.client_id);
      say("Discarded.", 5);
      return refresh();
    }
    var form = document.querySelector('form[data-offline-api="' + CSS.escape(item.api) + '"]');
    if (form) { form.dispatchEvent(new CustomEvent("katapp:offline-edit", { bubbles: true, detail: { item: item } })); }
    return null;
  }

  // --- Sending: on load, when the network returns, when the worker says so ----------------------
  // Tell the page and the patient what was sent, whoever sent it (this page, or the worker's
  // Background Sync): crisis.js shows the server's word on a safety answer.
  function announceSent(sent) {
    document.dispatchEvent(new CustomEvent("katapp:queue-sent", { detail: { sent: sent } }));
    say(sent.length === 1 ? "Sent 1 saved entry." : "Sent " + sent.length + " saved entries.", 8);
  }

  async function flushMine() {
    if (!userId) { return; }
    if (retryTimer) { clearTimeout(retryTimer); retryTimer = null; }
    var result;
    try {
      result = await Queue.flush(userId);
    } catch (err) {
      result = { sent: [], networkError: true };
    }
    if (result.sent && result.sent.length) {
      announceSent(result.sent);
    }
    await refresh();
    if (result.networkError && navigator.onLine !== false) {
      retryTimer = setTimeout(flushMine, 15000); // the network is flaky: try again soon
    }
  }

  if (banner) { banner.addEventListener("click", onBannerClick); }
  root.addEventListener("online", flushMine);
  root.addEventListener("offline", refresh);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { flushMine(); }
  });
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "queue-changed") {
        if (event.data.sent && event.data.sent.length) { announceSent(event.data.sent); }
        refresh();
      }
    });
  }
  root.KatappBanner = { say: say, render: render, refresh: refresh, reveal: reveal, flushMine: flushMine };
  refresh().then(flushMine);
})(self);
