// katapp offline queue: IndexedDB storage and delivery, with no DOM (team brief, "Offline-capable forms").
//
// Worker-safe: loaded by every page (base.html, before offline-banner.js and offline-forms.js)
// and by the service worker (importScripts) for Background Sync. Defines self.KatappQueue.
//
// Queue item (IndexedDB "katapp-offline", store "queue", key client_id):
//   {client_id, user_id, api, label, done, body, created, status, error, fields}
//   status: "waiting" (to send), "auth" (the server said 401: kept until that patient signs in),
//           "invalid" (400: shown to fix or discard), "conflict" (409), "rejected" (other 4xx).
// An item is deleted only after the server answered 200/201 (or the patient discarded it, or
// signed out after a warning). Items belong to one user and are sent only under that user's session.
//
// A sign-out made offline (offline-forms.js) is kept too (IndexedDB "katapp-device", store
// "state", key "signout": {user_id, created}) and completed first when the network returns
// (finishSignOut: by the worker before any page is fetched, by the pages, and before the queue).
(function (root) {
  "use strict";

  var DB_NAME = "katapp-offline";
  var STORE = "queue";
  var LOCK = "katapp-queue-flush";
  var SYNC_TAG = "katapp-queue"; // the Background Sync tag (pages register it, sw.js answers it)
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

  // --- A pending sign-out (one record, its own database: the queue's schema stays as it is) -----
  var DEVICE_DB = "katapp-device";
  var DEVICE_STORE = "state";
  var SIGNOUT_LOCK = "katapp-signout";

  function withDevice(mode, work) {
    return new Promise(function (resolve, reject) {
      var open = indexedDB.open(DEVICE_DB, 1);
      open.onupgradeneeded = function () { open.result.createObjectStore(DEVICE_STORE); };
      open.onerror = function () { reject(open.error); };
      open.onsuccess = function () {
        var db = open.result;
        var tx = db.transaction(DEVICE_STORE, mode);
        var result;
        var request = work(tx.objectStore(DEVICE_STORE));
        if (request) { request.onsuccess = function () { result = request.result; }; }
        tx.oncomplete = function () { db.close(); resolve(result); };
        tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
      };
    });
  }
  function pendingSignOut() {
    return withDevice("readonly", function (s) { return s.get("signout"); }).then(function (r) { return r || null; });
  }
  function queueSignOut(userId) {
    return withDevice("readwrite", function (s) {
      return s.put({ user_id: String(userId), created: new Date().toISOString() }, "signout");
    });
  }
  function dropSignOut() { return withDevice("readwrite", function (s) { return s.delete("signout"); }); }

  // POST /logout with the session's own CSRF token; the answer is a redirect (not followed).
  function postSignOut(token) {
    return fetch("/logout", {
      method: "POST",
      credentials: "same-origin",
      cache: "no-store",
      redirect: "manual",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "csrf_token=" + encodeURIComponent(token || "")
    });
  }

  // Complete a sign-out made offline: while the browser still carries that user's session, sign
  // it out on the server (which invalidates every copy of the cookie). /logout answers a redirect
  // when it signed out (nothing else: a refused token is a 400), so the redirect is the proof and
  // the "You are signed out" message stays for the sign-in page. Resolves true when a sign-out was
  // pending and is done (or nothing of it is left to do), false when none was pending; rejects
  // (the record stays) while the server cannot be reached or refuses.
  async function completeSignOut() {
    var pending = await pendingSignOut();
    if (!pending) { return false; }
    var session = await fetchSession();
    for (var attempt = 0; sameUser(pending, session.userId); attempt++) {
      if ((await postSignOut(session.token)).type === "opaqueredirect") { break; }
      if (attempt > 0) { throw new Error("katapp: the server did not sign out yet"); }
      session = await fetchSession(); // an expired token: a fresh one, once
    }
    await dropSignOut();
    return true;
  }
  function finishSignOut() {
    var locks = root.navigator && root.navigator.locks;
    return locks ? locks.request(SIGNOUT_LOCK, completeSignOut) : completeSignOut();
  }

  // --- Talking to the server -------------------------------------------------------------------
  // Who is signed in on this browser right now, and a fresh CSRF token: read from a page (the
  // same meta tag and body attribute every page carries). The page is one every signed-in user may
  // open and that never redirects them (/account/password); for nobody it answers a redirect to
  // the sign-in page, which is not followed: fetching that page would start a new session (a new
  // CSRF token) behind the back of a sign-in form open on this phone, and the next person's
  // sign-in would fail. Throws when the server is unreachable.
  var SESSION_PAGE = "/account/password";
  function fetchSession() {
    return fetch(SESSION_PAGE, { credentials: "same-origin", cache: "no-store", redirect: "manual", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (response.type === "opaqueredirect") { return ""; } // nobody is signed in
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

  // POST the item with `token`; when the server refuses the token (expired session token, a
  // new sign-in), read a fresh one from a page and try once more. Returns {res, session}:
  // `session` is the fresh {token, userId} when one was read (else null); `res` is null when
  // someone other than the item's owner is signed in now (the item must wait for its owner).
  // Throws when the network fails.
  async function send(item, token) {
    var res = await post(item, token);
    if (!isCsrfError(res)) { return { res: res, session: null }; }
    var session = await fetchSession();
    if (!sameUser(item, session.userId)) { return { res: null, session: session }; }
    return { res: await post(item, session.token), session: session };
  }

  // Send what waits, oldest first, for the user signed in now (and, when onlyUser is given, only
  // if that is them). Returns {sent: [...], networkError, auth}.
  async function sendWaiting(onlyUser) {
    var result = { sent: [], networkError: false, auth: false };
    var items = (await allItems()).filter(function (i) { return SENDABLE[i.status]; });
    if (onlyUser != null) { items = items.filter(function (i) { return sameUser(i, onlyUser); }); }
    if (!items.length) { return result; }
    var session;
    try {
      await finishSignOut(); // an offline sign-out goes first: nothing is sent under that session
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
      var sent;
      try {
        sent = await send(item, session.token);
      } catch (err) {
        result.networkError = true; // the item stays; its client_id makes a resend harmless
        break;
      }
      session = sent.session || session;
      if (!sent.res) { result.auth = true; break; }
      var res = sent.res;
      if (isSaved(res)) {
        await removeItem(item.client_id);
        // What the server said of a safety answer goes with it (crisis.js shows it; never dropped).
        var saved = res.data || {};
        result.sent.push({ client_id: item.client_id, label: item.label, id: saved.id, flags: saved.flags || [],
          crisis_help: saved.crisis_help || null, care_team_notified: saved.care_team_notified });
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
    SENDABLE: SENDABLE,
    all: allItems,
    itemsFor: itemsFor,
    put: putItem,
    remove: removeItem,
    update: updateItem,
    clearUser: clearUser,
    flush: flush,
    pendingSignOut: pendingSignOut,
    queueSignOut: queueSignOut,
    finishSignOut: finishSignOut,
    fetchSession: fetchSession,
    send: send,
    sameUser: sameUser,
    safeApi: safeApi,
    isSaved: isSaved,
    isTransient: isTransient
  };
})(self);
