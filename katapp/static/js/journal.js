// katapp journal: keeps the editor's draft in localStorage until the entry is saved, counts
// characters near the limit. Keys are "katapp:draft:<user id>:journal:<new|entry id>": a draft belongs
// to the signed-in user (device.js drops other users' drafts; sign-out clears every "katapp:" key).
(function () {
  "use strict";
  var USER = document.body ? document.body.getAttribute("data-user-id") : null;
  var PREFIX = "katapp:draft:" + USER + ":journal:";
  var LIMIT = 20000;

  function read(key) {
    try { return JSON.parse(window.localStorage.getItem(key) || "null"); } catch (e) { return null; }
  }
  function write(key, value) {
    try { window.localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* storage full or blocked */ }
  }
  function remove(key) {
    try { window.localStorage.removeItem(key); } catch (e) { /* blocked */ }
  }
  function chars(text) { return Array.from(text).length; } // code points, as the server counts

  // An entry's page: forget the draft it was saved from (same client_id, or the same text).
  var saved = document.querySelector("[data-journal-saved]");
  if (saved && USER) {
    var savedId = saved.getAttribute("data-client-id");
    var bodyEl = saved.querySelector("[data-journal-body]");
    var savedText = bodyEl ? bodyEl.textContent : null;
    [PREFIX + "new", PREFIX + saved.getAttribute("data-entry-id")].forEach(function (key) {
      var d = read(key);
      if (d && (d.client_id === savedId || d.body === savedText)) { remove(key); }
    });
  }

  var form = document.querySelector("form[data-journal-draft]");
  if (!form) { return; }
  var key = form.getAttribute("data-journal-draft");
  var body = form.querySelector("textarea[name=body]");
  var shared = form.querySelector("input[name=shared]");
  var session = form.querySelector("select[name=session_id]");
  // The app's one date format (templating.local_time's default): "Mon 07 Dec 2026, 14:57".
  function appDate(d) {
    var two = function (n) { return (n < 10 ? "0" : "") + n; };
    return ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][d.getDay()] + " " + two(d.getDate()) + " " +
      ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][d.getMonth()] + " " +
      d.getFullYear() + ", " + two(d.getHours()) + ":" + two(d.getMinutes());
  }

  var prompt = form.querySelector("input[name=prompt]");
  var clientId = form.querySelector("input[name=client_id]");
  var recordedAt = form.querySelector("input[name=recorded_at]");
  var note = form.querySelector("[data-journal-draft-note]");
  var noteText = form.querySelector("[data-journal-draft-text]");
  var count = form.querySelector("[data-journal-count]");
  var promptBox = form.querySelector("[data-journal-prompt]");
  if (!body) { return; }
  var original = { body: body.value, clientId: clientId ? clientId.value : null };

  function snapshot() {
    return {
      body: body.value,
      shared: shared ? shared.checked : false,
      session_id: session ? session.value : "",
      prompt: prompt ? prompt.value : "",
      client_id: clientId ? clientId.value : null,
      saved_at: new Date().toISOString()
    };
  }
  function save() {
    if (body.value === original.body || !body.value.trim()) { remove(key); return; }
    write(key, snapshot());
  }
  var timer = null;
  function saveSoon() { window.clearTimeout(timer); timer = window.setTimeout(save, 400); }

  function updateCount() {
    if (!count) { return; }
    var n = chars(body.value);
    count.hidden = n < LIMIT * 0.9;
    count.classList.toggle("error", n > LIMIT);
    count.textContent = n > LIMIT
      ? n.toLocaleString() + " characters: " + (n - LIMIT).toLocaleString() + " over the limit of " + LIMIT.toLocaleString() + "."
      : n.toLocaleString() + " of " + LIMIT.toLocaleString() + " characters.";
  }

  function showNote(text) {
    if (!note) { return; }
    noteText.textContent = text;
    note.hidden = false;
  }

  function restore(draft) {
    body.value = draft.body;
    if (shared) { shared.checked = !!draft.shared; }
    if (session && draft.session_id && !session.value &&
        session.querySelector('option[value="' + String(draft.session_id).replace(/[^0-9]/g, "") + '"]')) {
      session.value = draft.session_id;
    }
    if (prompt && !prompt.value && draft.prompt && promptBox) {
      prompt.value = draft.prompt;
      promptBox.querySelector("blockquote").textContent = draft.prompt;
      promptBox.hidden = false;
    }
    // A draft that was already sent keeps its client_id, so sending it again is not a second entry.
    if (draft.pending && clientId && draft.client_id) { clientId.value = draft.client_id; }
    var when = new Date(draft.saved_at);
    showNote("We kept your unsaved draft" + (isNaN(when) ? "." : " from " + appDate(when) + "."));
    updateCount();
  }

  var draft = read(key);
  if (draft && typeof draft.body === "string" && draft.body && draft.body !== original.body) {
    if (draft.pending && draft.client_id && clientId && window.fetch) {
      // Sent before (maybe queued offline): did it arrive? Then the draft is done.
      window.fetch("/api/v1/journal?client_id=" + encodeURIComponent(draft.client_id),
        { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (data && data.items && data.items.length) { remove(key); } else { restore(draft); }
        })
        .catch(function () { restore(draft); });
    } else {
      restore(draft);
    }
  }

  var discard = form.querySelector("[data-journal-discard]");
  if (discard) {
    discard.addEventListener("click", function () {
      remove(key);
      body.value = original.body;
      if (clientId) { clientId.value = original.clientId; }
      note.hidden = true;
      updateCount();
      body.focus();
    });
  }

  body.addEventListener("input", function () { saveSoon(); updateCount(); });
  form.addEventListener("change", saveSoon);
  window.addEventListener("pagehide", save);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { save(); }
  });
  // Once the offline queue holds the entry (or the server has it), the draft's job is done:
  // keeping it would bring the same text back into the editor and invite a second entry.
  form.addEventListener("katapp:offline-queued", function () { window.clearTimeout(timer); remove(key); });
  form.addEventListener("katapp:offline-sent", function () { window.clearTimeout(timer); remove(key); });
  // Capture phase: runs before the offline queue's handler replaces client_id.
  document.addEventListener("submit", function (event) {
    if (event.target !== form) { return; }
    if (recordedAt && !recordedAt.value) { recordedAt.value = new Date().toISOString(); }
    if (!body.value.trim()) { return; }
    var d = snapshot();
    d.pending = true;
    write(key, d);
  }, true);
  updateCount();
})();
