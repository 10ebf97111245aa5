// katapp offline queue and the offline form protocol (team brief, "Offline-capable forms").
//
// Loaded on every page (base.html) and imported by the service worker (importScripts) for
// Background Sync: the queue part below runs in both; the page part only where there is a document.
//
// Queue item (IndexedDB "katapp-offline", store "queue", key client_id):
//   {client_id, user_id, api, label, done, body, created, status, error, fields}
//   status: "waiting" (to send), "auth" (the server said 401: kept until that patient signs in),
//           "invalid" (400: shown to fix or discard), "conflict" (409), "rejected" (other 4xx).
// An item is deleted only after the server answered 200/201 (or the patient discarded it, or
// signed out after a warning). Items belong to one user and are sent only under that user's session.
(function (root) {
  "use strict";

  var DB_NAME = "katapp-offline";
  var STORE = "queue";
  var LOCK = "katapp-queue-flush";
  var SYNC_TAG = "katapp-queue";
  var SENDABLE = { waiting: true, auth: true };
  var CSRF_META = /<meta name="csrf-token" content="([^"]*)"/;
  var USER_ATTR = /<body[^>]*\sdata-user-id="(\d+)"/;

  // --- IndexedDB -------------------------------------------------------------------------------
  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        var db = request.result;
        if (!db.objectStoreNames.contains(STORE)) {
          db.createObjectStore(STORE, { keyPath: "client_id" }).createIndex("user_id", "user_id");
        }
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function withStore(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result;
        var request = work(tx.objectStore(STORE));
        if (request) { request.onsuccess = function () { result = request.result; }; }
        tx.oncomplete = function () { db.close(); resolve(result); };
        tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function byCreated(a, b) { return a.created < b.created ? -1 : a.created > b.created ? 1 : 0; }
  function sameUser(item, userId) { return userId != null && String(item.user_id) === String(userId); }

  function allItems() {
    return withStore("readonly", function (s) { return s.getAll(); }).then(function (items) {
      return (items || []).sort(byCreated);
    });
  }
  function itemsFor(userId) {
    return allItems().then(function (items) { return items.filter(function (i) { return sameUser(i, userId); }); });
  }
  function putItem(item) { return withStore("readwrite", function (s) { return s.put(item); }); }
  function removeItem(clientId) { return withStore("readwrite", function (s) { return s.delete(clientId); }); }
  // Change an item only if it is still there (never resurrect a discarded or sent item).
  function updateItem(clientId, changes) {
    return withStore("readwrite", function (s) {
      var get = s.get(clientId);
      get.onsuccess = function () {
        if (!get.result) { return; }
        Object.keys(changes).forEach(function (k) { get.result[k] = changes[k]; });
        s.put(get.result);
      };
      return null;
    });
  }
  function clearUser(userId) {
    return itemsFor(userId).then(function (items) {
      return withStore("readwrite", function (s) {
        items.forEach(function (i) { s.delete(i.client_id); });
        return null;
      });
    });
  }

  // --- Talking to the server -------------------------------------------------------------------
  // Who is signed in on this browser right now, and a fresh CSRF token: read from a page (the
  // same meta tag and body attribute every page carries). Throws when the server is unreachable.
  function fetchSession() {
    return fetch("/", { credentials: "same-origin", cache: "no-store", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("katapp: server answered " + response.status); }
        return response.text();
      })
      .then(function (html) {
        var token = CSRF_META.exec(html);
        var user = USER_ATTR.exec(html);
        return { token: token ? token[1] : "", userId: user ? user[1] : null };
      });
  }

  function post(item, token) {
    return fetch(item.api, {
      method: "POST",
      credentials: "same-origin",
      cache: "no-store",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": token || "" },
      body: JSON.stringify(item.body)
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (data) {
        return { status: response.status, data: data };
      });
    });
  }

  function isCsrfError(res) {
    return res.status === 400 && !!res.data && /csrf/i.test(String(res.data.error || ""));
  }
  function isSaved(res) { return res.status === 200 || res.status === 201; }
  function isTransient(res) { return res.status >= 500 || res.status === 429 || res.status === 408; }
  function problemStatus(res) { return res.status === 400 ? "invalid" : res.status === 409 ? "conflict" : "rejected"; }
  function safeApi(api) { return typeof api === "string" && api.indexOf("/api/") === 0 && api.indexOf("//") === -1; }

  // Send what waits, oldest first, for the user signed in now (and, when onlyUser is given, only
  // if that is them). Returns {sent: [...], networkError, auth}.
  async function sendWaiting(onlyUser) {
    var result = { sent: [], networkError: false, auth: false };
    var items = (await allItems()).filter(function (i) { return SENDABLE[i.status]; });
    if (onlyUser != null) { items = items.filter(function (i) { return sameUser(i, onlyUser); }); }
    if (!items.length) { return result; }
    var session;
    try {
      session = await fetchSession();
    } catch (err) {
      result.networkError = true;
      return result;
    }
    if (!session.userId) {
      // Nobody is signed in: everything stays until its owner signs in again.
      result.auth = true;
      for (var k = 0; k < items.length; k++) { await updateItem(items[k].client_id, { status: "auth" }); }
      return result;
    }
    items = items.filter(function (i) { return sameUser(i, session.userId); });
    for (var n = 0; n < items.length; n++) {
      var item = items[n];
      if (!safeApi(item.api)) { await updateItem(item.client_id, { status: "rejected", error: "unknown address" }); continue; }
      var res;
      try {
        res = await post(item, session.token);
        if (isCsrfError(res)) {
          session = await fetchSession();
          if (!sameUser(item, session.userId)) { result.auth = true; break; }
          res = await post(item, session.token);
        }
      } catch (err) {
        result.networkError = true; // the item stays; its client_id makes a resend harmless
        break;
      }
      if (isSaved(res)) {
        await removeItem(item.client_id);
        result.sent.push({ client_id: item.client_id, label: item.label, id: res.data && res.data.id });
      } else if (res.status === 401) {
        result.auth = true;
        for (var m = n; m < items.length; m++) { await updateItem(items[m].client_id, { status: "auth" }); }
        break;
      } else if (isTransient(res)) {
        result.networkError = true;
        break;
      } else {
        await updateItem(item.client_id, {
          status: problemStatus(res),
          error: (res.data && res.data.error) || ("the server answered " + res.status),
          fields: (res.data && res.data.fields) || {}
        });
      }
    }
    return result;
  }

  // One flusher at a time across pages and the service worker (Web Locks); calls in one context
  // are chained, so a call made while a flush runs is served by a flush that starts after it.
  var chain = Promise.resolve();
  function flush(onlyUser) {
    var run = function () {
      var locks = root.navigator && root.navigator.locks;
      return locks ? locks.request(LOCK, function () { return sendWaiting(onlyUser); }) : sendWaiting(onlyUser);
    };
    var next = chain.then(run, run);
    chain = next.catch(function () { return null; });
    return next;
  }

  root.KatappQueue = {
    SYNC_TAG: SYNC_TAG,
    all: allItems,
    itemsFor: itemsFor,
    put: putItem,
    remove: removeItem,
    update: updateItem,
    clearUser: clearUser,
    flush: flush,
    fetchSession: fetchSession,
    post: post
  };

  if (typeof document === "undefined") { return; } // the service worker stops here

  // --- The page: forms, banner, sign-out ----------------------------------------------------------
  var userId = document.body ? document.body.getAttribute("data-user-id") : null;
  var banner = document.querySelector("[data-offline-status]");
  var notice = ""; // a one-off message for the banner ("Saved on this phone…", "Sent 2…")
  var noticeTimer = null;
  var retryTimer = null;

  function uuid4() {
    if (root.crypto && typeof root.crypto.randomUUID === "function") { return root.crypto.randomUUID(); }
    var b = root.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  // ISO 8601 with the phone's own offset, e.g. 2026-11-01T08:30:05+01:00.
  function localIso(date) {
    var pad = function (n) { return String(Math.abs(n)).padStart(2, "0"); };
    var offset = -date.getTimezoneOffset();
    return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) +
      "T" + pad(date.getHours()) + ":" + pad(date.getMinutes()) + ":" + pad(date.getSeconds()) +
      (offset >= 0 ? "+" : "-") + pad(Math.floor(Math.abs(offset) / 60)) + ":" + pad(Math.abs(offset) % 60);
  }

  function metaToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }
  function setMetaToken(token) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && token) { meta.setAttribute("content", token); }
  }

  function convert(raw, type) {
    if (type === "int" || type === "float") {
      var num = Number(raw);
      if (raw.trim() === "" || Number.isNaN(num)) { return raw; } // let the server name the problem
      return type === "int" && !Number.isInteger(num) ? raw : num;
    }
    if (type === "bool") { return /^(true|1|on|yes)$/i.test(raw); }
    return raw;
  }

  // JSON from the form's [data-json] inputs (team brief): types, radios, bool checkboxes, lists.
  function buildBody(form) {
    var body = {};
    var lengths = {};
    Array.prototype.forEach.call(form.querySelectorAll("[data-json]"), function (el) {
      if (el.disabled) { return; }
      var type = el.getAttribute("data-json");
      var list = el.getAttribute("data-json-list");
      var index = parseInt(el.getAttribute("data-json-index"), 10);
      if (list && !Number.isNaN(index)) { lengths[list] = Math.max(lengths[list] || 0, index + 1); }
      var value;
      if (el.type === "radio") {
        if (!el.checked) { return; }
        value = convert(el.value, type);
      } else if (el.type === "checkbox") {
        if (type === "bool") { value = el.checked; } else if (el.checked) { value = convert(el.value, type); } else { return; }
      } else {
        if (String(el.value).trim() === "") { return; }
        value = convert(String(el.value), type);
      }
      if (list && !Number.isNaN(index)) {
        (body[list] = body[list] || [])[index] = value;
      } else if (el.name && el.name !== "csrf_token") {
        body[el.name] = value;
      }
    });
    Object.keys(lengths).forEach(function (list) {
      var values = body[list] || [];
      body[list] = [];
      for (var i = 0; i < lengths[list]; i++) { body[list].push(values[i] === undefined ? null : values[i]); }
    });
    return body;
  }

  function hiddenInput(form, name) {
    var el = form.elements.namedItem(name);
    return el && el.tagName === "INPUT" ? el : null;
  }

  function freshClientId(form) {
    var input = hiddenInput(form, "client_id");
    if (input) { input.value = uuid4(); }
    delete form.dataset.offlineEditing;
  }

  function buildItem(form) {
    var idInput = hiddenInput(form, "client_id");
    if (idInput && !idInput.value) { idInput.value = uuid4(); }
    var now = new Date();
    var recorded = hiddenInput(form, "recorded_at");
    if (recorded) { recorded.value = localIso(now); }
    var body = buildBody(form);
    body.client_id = idInput ? idInput.value : uuid4();
    body.recorded_at = localIso(now);
    return {
      client_id: body.client_id,
      user_id: userId,
      api: form.getAttribute("data-offline-api"),
      label: form.getAttribute("data-offline-label") || "entry",
      done: form.getAttribute("data-offline-done") || "",
      body: body,
      created: now.toISOString(),
      status: "waiting"
    };
  }

  function clearErrors(form) {
    Array.prototype.forEach.call(form.querySelectorAll("[data-error-for]"), function (el) {
      el.textContent = "";
      el.hidden = true;
    });
    Array.prototype.forEach.call(form.querySelectorAll("[data-offline-invalid]"), function (el) {
      el.removeAttribute("aria-invalid");
      el.removeAttribute("data-offline-invalid");
    });
    var summary = form.querySelector("[data-offline-error]");
    if (summary) { summary.textContent = ""; summary.hidden = true; }
  }

  function showErrors(form, error, fields) {
    clearErrors(form);
    fields = fields || {};
    var unplaced = [];
    var firstInput = null;
    Object.keys(fields).forEach(function (name) {
      var slot = form.querySelector('[data-error-for="' + CSS.escape(name) + '"]');
      if (slot) { slot.textContent = fields[name]; slot.hidden = false; } else { unplaced.push(name + ": " + fields[name]); }
      var inputs = form.querySelectorAll('[name="' + CSS.escape(name) + '"], [data-json-list="' + CSS.escape(name) + '"]');
      Array.prototype.forEach.call(inputs, function (input) {
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("data-offline-invalid", "");
        if (!firstInput) { firstInput = input; }
      });
    });
    var summary = form.querySelector("[data-offline-error]");
    if (!summary) {
      summary = document.createElement("p");
      summary.className = "error offline-error";
      summary.setAttribute("data-offline-error", "");
      summary.setAttribute("role", "alert");
      summary.tabIndex = -1;
      form.insertBefore(summary, form.firstChild);
    }
    var message = "Not saved: " + (error || "please check the form") + ".";
    if (unplaced.length) { message += " " + unplaced.join(" "); }
    summary.textContent = message;
    summary.hidden = false;
    (firstInput || summary).focus();
  }

  function setBusy(form, busy) {
    Array.prototype.forEach.call(form.querySelectorAll('button[type="submit"], button:not([type]), input[type="submit"]'), function (b) {
      b.disabled = busy;
    });
    if (busy) { form.setAttribute("aria-busy", "true"); } else { form.removeAttribute("aria-busy"); }
  }

  function registerSync() {
    if (!("serviceWorker" in navigator)) { return; }
    navigator.serviceWorker.ready.then(function (reg) {
      if (reg.sync) { return reg.sync.register(SYNC_TAG); }
      return null;
    }).catch(function () { return null; });
  }

  function say(message, seconds) {
    notice = message;
    if (noticeTimer) { clearTimeout(noticeTimer); }
    noticeTimer = seconds ? setTimeout(function () { notice = ""; render(); }, seconds * 1000) : null;
  }

  async function keep(form, item, status) {
    item.status = status || "waiting";
    await putItem(item);
    registerSync();
    form.reset();
    freshClientId(form);
    say(status === "auth" ? "Saved on this phone — sign in again to send it." : "Saved on this phone — will send when online.", 0);
    await render();
    form.dispatchEvent(new CustomEvent("katapp:offline-queued", { bubbles: true, detail: { client_id: item.client_id } }));
    if (banner && banner.scrollIntoView) { banner.scrollIntoView({ block: "nearest" }); }
  }

  function doneUrl(item, id) {
    if (!item.done) { return null; }
    return item.done.replace("{id}", encodeURIComponent(String(id == null ? "" : id)));
  }

  async function submitOfflineForm(form) {
    if (form.getAttribute("aria-busy") === "true") { return; }
    setBusy(form, true);
    clearErrors(form);
    try {
      var item = buildItem(form);
      if (!safeApi(item.api)) { form.submit(); return; } // not ours to handle: plain post
      if (navigator.onLine === false) { await keep(form, item); return; }
      var res;
      try {
        res = await post(item, metaToken());
        if (isCsrfError(res)) {
          var session = await fetchSession();
          if (!sameUser(item, session.userId)) { await keep(form, item, "auth"); return; }
          setMetaToken(session.token);
          res = await post(item, session.token);
        }
      } catch (err) {
        await keep(form, item); // no network (or it dropped mid-send): the queue resends it
        return;
      }
      if (isSaved(res)) {
        await removeItem(item.client_id); // it may have been a queued item being fixed
        form.dispatchEvent(new CustomEvent("katapp:offline-sent", { bubbles: true, detail: { client_id: item.client_id, id: res.data && res.data.id } }));
        var next = doneUrl(item, res.data && res.data.id);
        if (next) { root.location.assign(next); return; }
        form.reset();
        freshClientId(form);
        say("Saved.", 6);
        await render();
      } else if (res.status === 401) {
        await keep(form, item, "auth");
      } else if (isTransient(res)) {
        await keep(form, item);
      } else {
        showErrors(form, res.data && res.data.error, res.data && res.data.fields);
      }
    } finally {
      setBusy(form, false);
    }
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
      try { items = await itemsFor(userId); } catch (err) { items = []; }
    }
    var waiting = items.filter(function (i) { return i.status === "waiting"; }).length;
    var auth = items.filter(function (i) { return i.status === "auth"; }).length;
    var problems = items.filter(function (i) { return !SENDABLE[i.status]; });
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

  function fillForm(form, item) {
    var body = item.body || {};
    Array.prototype.forEach.call(form.querySelectorAll("[data-json]"), function (input) {
      var list = input.getAttribute("data-json-list");
      var value = list ? (body[list] || [])[parseInt(input.getAttribute("data-json-index"), 10)] : body[input.name];
      if (input.type === "radio") {
        input.checked = value != null && String(value) === input.value;
      } else if (input.type === "checkbox") {
        input.checked = input.getAttribute("data-json") === "bool" ? !!value : value != null && String(value) === input.value;
      } else {
        input.value = value == null ? "" : String(value);
      }
    });
    var idInput = hiddenInput(form, "client_id");
    if (idInput) { idInput.value = item.client_id; } // the fixed entry replaces the queued one
    form.dataset.offlineEditing = item.client_id;
    showErrors(form, item.error, item.fields);
  }

  async function onBannerClick(event) {
    var button = event.target.closest("button");
    if (!button) { return; }
    var editId = button.getAttribute("data-offline-edit");
    var discardId = button.getAttribute("data-offline-discard");
    var items = await itemsFor(userId);
    var item = items.filter(function (i) { return i.client_id === (editId || discardId); })[0];
    if (!item) { return refresh(); }
    if (discardId) {
      if (!root.confirm("Discard this " + item.label + " from " + when(item.created) + "? It was never sent and cannot be recovered.")) { return null; }
      await removeItem(item.client_id);
      say("Discarded.", 5);
      return refresh();
    }
    var form = document.querySelector('form[data-offline-api="' + CSS.escape(item.api) + '"]');
    if (form) { fillForm(form, item); }
    return null;
  }

  // --- Sending: on load, when the network returns, when the worker says so ----------------------
  async function flushMine() {
    if (!userId) { return; }
    if (retryTimer) { clearTimeout(retryTimer); retryTimer = null; }
    var result;
    try {
      result = await flush(userId);
    } catch (err) {
      result = { sent: [], networkError: true };
    }
    if (result.sent && result.sent.length) {
      say(result.sent.length === 1 ? "Sent 1 saved entry." : "Sent " + result.sent.length + " saved entries.", 8);
    }
    await refresh();
    if (result.networkError && navigator.onLine !== false) {
      retryTimer = setTimeout(flushMine, 15000); // the network is flaky: try again soon
    }
  }

  // --- Sign-out: warn about waiting entries, then clear what this phone keeps ---------------------
  function askWorkerToForget() {
    if (!("serviceWorker" in navigator) || !navigator.serviceWorker.controller) { return Promise.resolve(); }
    return new Promise(function (resolve) {
      var channel = new MessageChannel();
      var timer = setTimeout(resolve, 1500);
      channel.port1.onmessage = function () { clearTimeout(timer); resolve(); };
      navigator.serviceWorker.controller.postMessage({ type: "signout" }, [channel.port2]);
    });
  }

  function clearDrafts() {
    var keys = [];
    for (var i = 0; i < root.localStorage.length; i++) {
      var key = root.localStorage.key(i);
      if (key && key.indexOf("katapp:") === 0) { keys.push(key); }
    }
    keys.forEach(function (key) { root.localStorage.removeItem(key); });
  }

  async function signOut(form) {
    var unsent = 0;
    try {
      if (userId && navigator.onLine !== false) { await flushMine(); }
      unsent = userId ? (await itemsFor(userId)).length : 0;
    } catch (err) {
      unsent = 0;
    }
    if (unsent) {
      var message = (unsent === 1 ? "1 entry saved on this phone has" : unsent + " entries saved on this phone have") +
        " not been sent yet. Signing out deletes " + (unsent === 1 ? "it" : "them") + " from this phone. Sign out anyway?";
      if (!root.confirm(message)) { return; }
    }
    try {
      if (userId) { await clearUser(userId); }
      clearDrafts();
      await askWorkerToForget();
    } finally {
      form.submit();
    }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !(form instanceof HTMLFormElement)) { return; }
    if (form.hasAttribute("data-offline-api")) {
      event.preventDefault();
      submitOfflineForm(form);
    } else if (form.hasAttribute("data-signout")) {
      event.preventDefault();
      signOut(form);
    }
  });

  if (banner) { banner.addEventListener("click", onBannerClick); }
  // A page opened from the cache carries the client_id it was first served with: start fresh.
  Array.prototype.forEach.call(document.querySelectorAll("form[data-offline-api]"), freshClientId);
  root.addEventListener("online", flushMine);
  root.addEventListener("offline", refresh);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { flushMine(); }
  });
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "queue-changed") { refresh(); }
    });
  }
  refresh().then(flushMine);
})(self);
