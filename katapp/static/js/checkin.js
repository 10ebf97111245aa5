// katapp check-ins and questionnaires: recorded_at at submit, questionnaire progress,
// answers kept in localStorage (keys prefixed "katapp:") until sent. Plain JS, no inline script.
(function () {
  "use strict";

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  // ISO 8601 with the device's offset, e.g. 2026-03-08T23:59:00-05:00.
  function isoNow() {
    var d = new Date();
    var off = -d.getTimezoneOffset();
    var sign = off >= 0 ? "+" : "-";
    off = Math.abs(off);
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":" +
      pad(d.getMinutes()) + ":" + pad(d.getSeconds()) + sign + pad(Math.floor(off / 60)) + ":" + pad(off % 60);
  }

  // Capture phase: runs before offline-forms.js reads the form.
  document.addEventListener("submit", function (event) {
    var field = event.target.querySelector && event.target.querySelector("[data-recorded-at]");
    if (field && !field.value) { field.value = isoNow(); }
  }, true);

  // The check-in home, when the phone's queue delivers entries made offline (this page or the
  // worker sent them): the Today card and the "already checked in" note come fresh from the server,
  // so nothing still says "check in today" after a check-in arrived. The form is left as it is.
  function refreshToday() {
    if (!document.getElementById("today") || !window.fetch || !window.DOMParser) { return; }
    fetch(window.location.pathname, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (res) { return res.ok ? res.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html");
        ["today", "already"].forEach(function (id) {
          var now = document.getElementById(id);
          var next = fresh.getElementById(id);
          if (now && next) { now.replaceWith(document.importNode(next, true)); }
        });
      })
      .catch(function () { return null; });
  }
  document.addEventListener("katapp:queue-sent", refreshToday);

  var form = document.querySelector("form[data-questionnaire]");
  if (!form) { return; }

  var userId = document.body.getAttribute("data-user-id") || "anon";
  var key = "katapp:questionnaire:" + userId + ":" + form.getAttribute("data-questionnaire");
  var items = Array.prototype.slice.call(form.querySelectorAll(".q-item"));
  var text = form.querySelector("[data-progress-text]");
  var bar = form.querySelector("[data-progress]");

  function answers() {
    return items.map(function (item) {
      var checked = item.querySelector("input:checked");
      return checked ? Number(checked.value) : null;
    });
  }

  function progress() {
    var done = answers().filter(function (v) { return v !== null; }).length;
    if (text) { text.textContent = done + " of " + items.length + " answered"; }
    if (bar) { bar.value = done; }
    return done;
  }

  function save() {
    try { window.localStorage.setItem(key, JSON.stringify(answers())); } catch (e) { /* storage full or off */ }
  }

  function restore() {
    var saved = null;
    try { saved = JSON.parse(window.localStorage.getItem(key) || "null"); } catch (e) { saved = null; }
    if (!Array.isArray(saved)) { return; }
    items.forEach(function (item, i) {
      if (saved[i] === null || saved[i] === undefined || item.querySelector("input:checked")) { return; }
      var input = item.querySelector('input[value="' + Number(saved[i]) + '"]');
      if (input) { input.checked = true; }
    });
  }

  form.addEventListener("change", function (event) {
    var item = event.target.closest(".q-item");
    save();
    progress();
    if (!item) { return; }
    // Move on to the next unanswered question, so answering is tap, tap, tap.
    var next = items.slice(items.indexOf(item) + 1).filter(function (el) { return !el.querySelector("input:checked"); })[0];
    if (next) {
      var reduce = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
      next.scrollIntoView({ behavior: reduce ? "auto" : "smooth", block: "start" });
    }
  });

  form.addEventListener("submit", function () {
    try { window.localStorage.removeItem(key); } catch (e) { /* ignore */ }
  });

  restore();
  progress();
})();
