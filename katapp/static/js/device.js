// katapp: one person per phone (katapp/device.py). Loaded on every page after offline-queue.js
// (and on the offline page). Defines self.KatappDevice for offline-forms.js.
//
// - What this browser keeps in localStorage per user ("katapp:draft:<id>:...",
//   "katapp:questionnaire:<id>:...") belongs to the user the page was served for (body
//   data-user-id): a page for someone else drops every other user's keys (and the drafts of older
//   versions, which carried no user id). The offline queue is not touched: an item waits for its
//   owner (offline-queue.js sends it only under its owner's session).
// - A sign-out made offline: the page at once shows the signed-out state; the server sign-out is
//   completed when the network returns (KatappQueue.finishSignOut), and then the sign-in page opens.
// - A sign-out in one tab signs out the other open tabs of this browser too (a storage event).
(function (root) {
  "use strict";

  if (typeof document === "undefined") { return; }
  var Queue = root.KatappQueue;
  var body = document.body;
  var userId = body ? body.getAttribute("data-user-id") : null;
  var PER_USER = /^katapp:(draft|questionnaire):([^:]*):/;
  var SIGNED_OUT = "katapp:signed-out"; // set and removed at once: only its storage event matters
  var NOTE = "You are signed out on this phone. katapp finishes signing you out on the server as soon as the phone is back online.";
  var ELSEWHERE = "You signed out of katapp in another tab on this phone.";
  var SIGNING_OUT = "Signing you out…";

  function storageKeys() {
    var keys = [];
    try {
      for (var i = 0; i < root.localStorage.length; i++) { keys.push(root.localStorage.key(i)); }
    } catch (err) { /* storage blocked */ }
    return keys;
  }

  // Drop what other users left in localStorage (drafts, unfinished questionnaires), and forget
  // that their offline pages were fetched in this tab (app.js "katapp-warmed-<id>"), so that they
  // are fetched again when that user is back (the worker dropped them).
  function dropOthers(uid) {
    storageKeys().forEach(function (key) {
      var m = PER_USER.exec(key || "");
      var legacy = key && key.indexOf("katapp:draft:journal:") === 0;
      if ((m && m[2] !== String(uid)) || legacy) {
        try { root.localStorage.removeItem(key); } catch (err) { /* blocked */ }
      }
    });
    forgetWarmed(uid);
  }

  function forgetWarmed(keep) {
    try {
      var names = [];
      for (var i = 0; i < root.sessionStorage.length; i++) { names.push(root.sessionStorage.key(i)); }
      names.forEach(function (name) {
        if (name && name.indexOf("katapp-warmed-") === 0 && name !== "katapp-warmed-" + keep) {
          root.sessionStorage.removeItem(name);
        }
      });
    } catch (err) { /* storage blocked */ }
  }

  function toSignIn() { root.location.replace("/login"); }

  // The signed-out state, at once and without the network: nothing personal stays on screen.
  function showSignedOut(text) {
    document.documentElement.classList.add("is-signed-out");
    var main = document.querySelector("main") || body;
    if (!main) { return; }
    // The menus, the sign-out buttons and the offline banner (it speaks of the user's saved entries) go.
    Array.prototype.forEach.call(document.querySelectorAll("nav, form[data-signout], [data-menu], [data-offline-status]"), function (el) {
      el.hidden = true;
    });
    // Everything goes but the clinic's crisis help (the offline page's #help, the same for everyone).
    Array.prototype.slice.call(main.children).forEach(function (child) {
      if (child.id !== "help") { main.removeChild(child); }
    });
    var section = document.createElement("section");
    section.className = "card narrow";
    var h1 = document.createElement("h1");
    h1.textContent = "Signed out";
    var p = document.createElement("p");
    p.setAttribute("role", "status");
    p.setAttribute("data-signed-out-note", "");
    p.textContent = text || (navigator.onLine === false ? NOTE : SIGNING_OUT);
    var again = document.createElement("p");
    var link = document.createElement("a");
    link.href = "/login";
    link.className = "button primary";
    link.textContent = "Sign in";
    again.appendChild(link);
    section.appendChild(h1);
    section.appendChild(p);
    section.appendChild(again);
    main.insertBefore(section, main.firstChild);
    if (main.focus) { main.setAttribute("tabindex", "-1"); main.focus(); }
  }

  // Complete a pending sign-out when the network is there; then open the sign-in page.
  function completeWhenOnline() {
    if (navigator.onLine === false) { return Promise.resolve(false); }
    return Queue.finishSignOut().then(function (done) {
      if (done) { toSignIn(); }
      return done;
    }, function () { return false; });
  }

  async function start() {
    if (userId) { dropOthers(userId); }
    var pending = null;
    try { pending = await Queue.pendingSignOut(); } catch (err) { pending = null; }
    if (!pending) { return; }
    // This page belongs to the person who signed out (or to nobody: the offline page): show the
    // signed-out state until the server has the sign-out too.
    if (!userId || String(pending.user_id) === String(userId)) { showSignedOut(); }
    completeWhenOnline();
  }

  // Sign-out (offline-forms.js calls it after the warning and clearing): recorded first, the
  // signed-out state at once, then the server sign-out now or, offline, when the network returns.
  async function signOut(uid) {
    await Queue.queueSignOut(uid);
    forgetWarmed(null);
    announce();
    showSignedOut();
    var done = await completeWhenOnline();
    if (!done) { // offline, or the server could not be reached: it is completed later
      Array.prototype.forEach.call(document.querySelectorAll("[data-signed-out-note]"), function (el) { el.textContent = NOTE; });
    }
    return done;
  }

  function announce() {
    try {
      root.localStorage.setItem(SIGNED_OUT, String(Date.now()));
      root.localStorage.removeItem(SIGNED_OUT);
    } catch (err) { /* storage blocked: other tabs learn it on their next page */ }
  }

  root.addEventListener("storage", function (event) {
    if (event.key === SIGNED_OUT && event.newValue && userId) {
      // Another tab signed this browser out: this one shows nothing personal either.
      showSignedOut(ELSEWHERE);
    }
  });
  root.addEventListener("online", function () {
    Queue.pendingSignOut().then(function (p) { if (p) { completeWhenOnline(); } }, function () { return null; });
  });

  root.KatappDevice = { dropOthers: dropOthers, signOut: signOut, showSignedOut: showSignedOut };
  start();
})(self);
