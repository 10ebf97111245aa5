// katapp: small progressive enhancements for every page (no inline script anywhere).
(function () {
  "use strict";
  document.addEventListener("focusin", function (event) {
    var el = event.target;
    if (el && el.hasAttribute && el.hasAttribute("data-select-on-focus")) { el.select(); }
  });

  // The service worker (/sw.js): app shell offline, offline form pages, Background Sync.
  if (!("serviceWorker" in navigator)) { return; }
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function () {
    return navigator.serviceWorker.ready;
  }).then(function (registration) {
    // A signed-in patient: keep the offline form pages on this phone (once per tab and user).
    var body = document.body;
    if (!body || body.getAttribute("data-role") !== "patient" || !registration.active) { return; }
    var key = "katapp-warmed-" + body.getAttribute("data-user-id");
    try {
      if (sessionStorage.getItem(key)) { return; }
      sessionStorage.setItem(key, "1");
    } catch (err) { /* storage blocked: warm anyway */ }
    registration.active.postMessage({ type: "warm" });
  }).catch(function () { /* no worker (private mode, old browser): the app works online */ });
})();
