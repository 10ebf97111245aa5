// katapp service worker (served at /sw.js, scope "/"). The route prepends
// `self.KATAPP_SW = {version, precache, offlinePages, queueScript}`; `version` is a hash of
// everything precached, so any change to the app shell installs a new worker.
//
// Rules:
// - the app shell (CSS, JS, icons, /offline, the manifest) is precached in "katapp-shell-<version>";
//   older shells are deleted when a new worker activates;
// - pages are network-first; only the offline form pages (check-in, questionnaires, journal
//   editor) are kept, per user (below), and used only when the network fails; every other page
//   falls back to /offline;
// - /api/ answers, non-GET requests and other origins are never touched or cached;
// - one person per phone (katapp/device.py): the kept pages hold health data and belong to one
//   user. Every page the server sends says who is signed in (header X-Katapp-User, "0": nobody);
//   the worker remembers the last one (cache "katapp-user") and keeps pages only in
//   "katapp-pages-<that id>". A page for anyone else, a sign-out message from the page, or opening a
//   way in (/login, /invite/..., /reset/...: a different person may be arriving, even offline)
//   drops every kept page at once; offline, only the current user's own kept pages are served;
// - a sign-out made offline (offline-queue.js finishSignOut) is completed before any page is
//   fetched; until it is, only the offline page is shown;
// - Background Sync (tag KatappQueue.SYNC_TAG) sends the offline queue (offline-queue.js, shared
//   with the pages).
"use strict";

var CONFIG = self.KATAPP_SW;
var SHELL = "katapp-shell-" + CONFIG.version;
var STATIC = "katapp-static";
var PAGES = "katapp-pages-"; // + user id
var LEGACY_PAGES = "katapp-pages"; // before pages were per user: whose they were is unknown
var WHO = "katapp-user";
var WHO_KEY = "/katapp-user";
var NOBODY = "0";
var WAYS_IN = [/^\/login$/, /^\/invite\//, /^\/reset\//];

importScripts(CONFIG.queueScript); // defines self.KatappQueue (IndexedDB queue, SYNC_TAG)

function isOfflinePage(path) { return CONFIG.offlinePages.indexOf(path) !== -1; }

function isWayIn(path) { return WAYS_IN.some(function (re) { return re.test(path); }); }

// Who the kept pages belong to: the user of the last page the server sent ("0": nobody).
function currentUser() {
  return caches.open(WHO).then(function (cache) { return cache.match(WHO_KEY); }).then(function (hit) {
    return hit ? hit.text() : NOBODY;
  }).catch(function () { return NOBODY; });
}

// Drop every kept page that is not `keep`'s (all of them when keep is "0" or null).
function dropPagesExcept(keep) {
  return caches.keys().then(function (names) {
    return Promise.all(names.map(function (name) {
      var mine = keep && keep !== NOBODY && name === PAGES + keep;
      if ((name.indexOf(PAGES) === 0 || name === LEGACY_PAGES) && !mine) { return caches.delete(name); }
      return null;
    }));
  });
}

// A page said who is signed in: remember it and drop anyone else's kept pages.
function setUser(id) {
  var who = /^\d+$/.test(String(id)) ? String(id) : NOBODY;
  return dropPagesExcept(who).then(function () {
    return caches.open(WHO).then(function (cache) {
      return cache.put(WHO_KEY, new Response(who, { headers: { "Content-Type": "text/plain" } }));
    });
  }).then(function () { return who; });
}

function dropPages() { return setUser(NOBODY); }

// Keep `response` for `path` if it is still the current user's.
function keepPage(who, path, response) {
  return currentUser().then(function (now) {
    if (who === NOBODY || now !== who) { return null; }
    return caches.open(PAGES + who).then(function (cache) { return cache.put(path, response); });
  });
}

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(SHELL).then(function (cache) {
      return Promise.all(CONFIG.precache.map(function (url) {
        // credentials "omit": nothing cached here may depend on who is signed in.
        return fetch(url, { credentials: "omit", cache: "no-cache" }).then(function (response) {
          if (!response.ok) { throw new Error("precache " + url + ": " + response.status); }
          return cache.put(url, response);
        });
      }));
    }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.map(function (name) {
        // Old shells go; the runtime copies of static files are rebuilt from the new release.
        if ((name.indexOf("katapp-shell-") === 0 && name !== SHELL) || name === STATIC || name === LEGACY_PAGES) {
          return caches.delete(name);
        }
        return null;
      }));
    }).then(function () { return self.clients.claim(); })
  );
});

function offlineFallback() {
  return caches.match("/offline", { cacheName: SHELL, ignoreVary: true }).then(function (page) {
    return page || new Response("You are offline.", { status: 503, headers: { "Content-Type": "text/plain" } });
  });
}

function keptPage(path) {
  // The start URL "/" opens the patient's check-in page when it is kept.
  var kept = path === "/" ? "/checkin" : path;
  if (!isOfflinePage(kept)) { return offlineFallback(); }
  return currentUser().then(function (who) {
    if (who === NOBODY) { return null; }
    return caches.match(kept, { cacheName: PAGES + who, ignoreVary: true });
  }).then(function (page) { return page || offlineFallback(); });
}

function fromNetwork(request, path, keepable) {
  return fetch(request).then(function (response) {
    var who = response.type === "basic" ? response.headers.get("X-Katapp-User") : null;
    if (who === null) { return response; } // a redirect, or not a page: nobody to learn about
    return setUser(who).then(function (current) {
      if (keepable && isOfflinePage(path) && response.status === 200 && !response.redirected && current !== NOBODY) {
        return keepPage(current, path, response.clone()).then(function () { return response; }, function () { return response; });
      }
      return response;
    });
  }, function () { return keptPage(path); });
}

function navigate(request, url) {
  var path = url.pathname;
  // A way in: whoever comes next must not find the previous person's pages, online or not.
  var ready = isWayIn(path) ? dropPages() : Promise.resolve();
  return ready.then(function () { return self.KatappQueue.finishSignOut(); }).then(function () {
    return fromNetwork(request, path, !url.search);
  }, function () {
    // A sign-out made offline is not complete yet (no network): nothing personal, only the offline page.
    return offlineFallback();
  });
}

function staticAsset(request, url) {
  return caches.match(request, { ignoreVary: true }).then(function (hit) {
    if (hit) { return hit; }
    return fetch(request).then(function (response) {
      // Only content-hashed URLs (?v=) are immutable and safe to keep.
      if (response.ok && response.type === "basic" && url.searchParams.has("v")) {
        var copy = response.clone();
        caches.open(STATIC).then(function (cache) { return cache.put(request, copy); });
      }
      return response;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; } // never cross-origin
  if (request.method !== "GET") { return; }
  if (url.pathname.indexOf("/api/") === 0) { return; } // never the API
  if (request.mode === "navigate") {
    event.respondWith(navigate(request, url));
  } else if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(staticAsset(request, url));
  } else if (url.pathname === "/manifest.webmanifest") {
    event.respondWith(fetch(request).catch(function () {
      return caches.match(url.pathname, { cacheName: SHELL, ignoreVary: true }).then(function (hit) {
        return hit || Response.error();
      });
    }));
  }
});

// Fetch the offline pages this patient does not have yet (after sign-in), so they open offline
// even if never visited. Only 200 answers at the same address are kept (a redirect to /login is not).
function warm() {
  return currentUser().then(function (who) {
    if (who === NOBODY) { return null; }
    return caches.open(PAGES + who).then(function (cache) {
      return Promise.all(CONFIG.offlinePages.map(function (path) {
        return cache.match(path, { ignoreVary: true }).then(function (hit) {
          if (hit) { return null; }
          return fetch(path, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
            // Kept only if it is this user's page (whoever is signed in now is who the server says).
            if (response.status === 200 && !response.redirected && new URL(response.url).pathname === path &&
                response.headers.get("X-Katapp-User") === who) {
              return keepPage(who, path, response);
            }
            return null;
          }).catch(function () { return null; });
        });
      }));
    });
  });
}

function notifyClients(message) {
  return self.clients.matchAll({ includeUncontrolled: true, type: "window" }).then(function (list) {
    list.forEach(function (client) { client.postMessage(message); });
  });
}

self.addEventListener("message", function (event) {
  var data = event.data || {};
  var done;
  if (data.type === "signout") {
    done = dropPages();
  } else if (data.type === "warm") {
    done = warm();
  } else {
    return;
  }
  var port = event.ports && event.ports[0];
  event.waitUntil(done.then(function () {
    if (port) { port.postMessage({ ok: true }); }
  }, function () {
    if (port) { port.postMessage({ ok: false }); }
  }));
});

self.addEventListener("sync", function (event) {
  if (event.tag !== self.KatappQueue.SYNC_TAG) { return; }
  event.waitUntil(self.KatappQueue.flush().then(function (result) {
    // `sent` carries the server's answers (a safety answer's care_team_notified) to the open pages.
    return notifyClients({ type: "queue-changed", sent: (result && result.sent) || [] }).then(function () {
      // A network failure with items left: reject, so the browser retries the sync later.
      if (result && result.networkError) { throw new Error("katapp: queue not sent yet"); }
    });
  }));
});

// Reminders (issue #17): show the pushed notification; a tap opens the page it names (same origin
// only), focusing an open katapp window when there is one.
self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = {}; }
  var title = data.title || "katapp";
  event.waitUntil(self.registration.showNotification(title, {
    body: data.body || "", tag: data.tag || "katapp-reminder", data: { url: data.url || "/" },
    icon: "/static/icons/icon-192.png", badge: "/static/icons/icon-192.png"
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var target = new URL((event.notification.data && event.notification.data.url) || "/", self.location.origin);
  if (target.origin !== self.location.origin) target = new URL("/", self.location.origin);
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (list) {
    for (var i = 0; i < list.length; i++) {
      if ("navigate" in list[i]) {
        return list[i].navigate(target.href).then(function (client) {
          return client && client.focus ? client.focus().catch(function () { return client; }) : client;
        });
      }
    }
    return self.clients.openWindow(target.href);
  }));
});
