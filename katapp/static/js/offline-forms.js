// katapp offline forms: a form with data-offline-api is sent as JSON to the API, or kept in
// the queue (offline-queue.js) when the network is down; sign-out warns about unsent entries.
// The form protocol (data-json inputs, data-offline-label/-done) is in the team brief.
// Loaded on every page after offline-queue.js and offline-banner.js.
(function (root) {
  "use strict";

  if (typeof document === "undefined") { return; }
  var Queue = root.KatappQueue;
  var Banner = root.KatappBanner;
  var userId = document.body ? document.body.getAttribute("data-user-id") : null;

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
      if (reg.sync) { return reg.sync.register(Queue.SYNC_TAG); }
      return null;
    }).catch(function () { return null; });
  }

  async function keep(form, item, status) {
    item.status = status || "waiting";
    await Queue.put(item);
    registerSync();
    form.reset();
    freshClientId(form);
    Banner.say(status === "auth" ? "Saved on this phone — sign in again to send it." : "Saved on this phone — will send when online.", 0);
    await Banner.render();
    form.dispatchEvent(new CustomEvent("katapp:offline-queued", { bubbles: true, detail: { client_id: item.client_id, body: item.body } }));
    Banner.reveal();
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
      if (!Queue.safeApi(item.api)) { form.submit(); return; } // not ours to handle: plain post
      if (navigator.onLine === false) { await keep(form, item); return; }
      var sent;
      try {
        sent = await Queue.send(item, metaToken());
      } catch (err) {
        await keep(form, item); // no network (or it dropped mid-send): the queue resends it
        return;
      }
      if (!sent.res) { await keep(form, item, "auth"); return; } // someone else is signed in now
      if (sent.session) { setMetaToken(sent.session.token); }
      var res = sent.res;
      if (Queue.isSaved(res)) {
        await Queue.remove(item.client_id); // it may have been a queued item being fixed
        form.dispatchEvent(new CustomEvent("katapp:offline-sent", { bubbles: true, detail: { client_id: item.client_id, id: res.data && res.data.id } }));
        var next = doneUrl(item, res.data && res.data.id);
        if (next) { root.location.assign(next); return; }
        form.reset();
        freshClientId(form);
        Banner.say("Saved.", 6);
        await Banner.render();
      } else if (res.status === 401) {
        await keep(form, item, "auth");
      } else if (Queue.isTransient(res)) {
        await keep(form, item);
      } else {
        showErrors(form, res.data && res.data.error, res.data && res.data.fields);
      }
    } finally {
      setBusy(form, false);
    }
  }

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
      if (userId && navigator.onLine !== false) { await Banner.flushMine(); }
      unsent = userId ? (await Queue.itemsFor(userId)).length : 0;
    } catch (err) {
      unsent = 0;
    }
    if (unsent) {
      var message = (unsent === 1 ? "1 entry saved on this phone has" : unsent + " entries saved on this phone have") +
        " not been sent yet. Signing out deletes " + (unsent === 1 ? "it" : "them") + " from this phone. Sign out anyway?";
      if (!root.confirm(message)) { return; }
    }
    try {
      if (userId) { await Queue.clearUser(userId); }
      clearDrafts();
      await askWorkerToForget();
    } catch (err) { /* go on: the sign-out itself matters most */ }
    if (!userId || !root.KatappDevice) { form.submit(); return; }
    // Recorded, shown at once, and completed on the server now or when the network returns
    // (device.js): a sign-out made offline takes effect too.
    try {
      await root.KatappDevice.signOut(userId);
    } catch (err) {
      form.submit(); // no IndexedDB (private mode): the plain sign-out
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

  // "Fix it in the form" in the banner: put the queued entry back into its form.
  document.addEventListener("katapp:offline-edit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && event.detail && event.detail.item) { fillForm(form, event.detail.item); }
  });
  // A page opened from the cache carries the client_id it was first served with: start fresh.
  Array.prototype.forEach.call(document.querySelectorAll("form[data-offline-api]"), freshClientId);
})(self);
