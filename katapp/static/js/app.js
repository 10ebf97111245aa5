// katapp: small progressive enhancements for every page (no inline script anywhere).
(function () {
  "use strict";
  document.addEventListener("focusin", function (event) {
    var el = event.target;
    if (el && el.hasAttribute && el.hasAttribute("data-select-on-focus")) { el.select(); }
  });

  // Copy and Share buttons for a read-only field (an invitation link, the calendar feed):
  // <button data-copy="#field">, <button data-share="#field" data-share-title="..." hidden>.
  function say(button, text) {
    var status = document.querySelector(button.getAttribute("data-status") || "#copy-status");
    if (status) { status.textContent = text; }
  }
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var input = document.querySelector(button.getAttribute("data-copy"));
      if (!input) { return; }
      input.focus();
      input.select();
      var done = function () { button.textContent = "Copied"; say(button, "Link copied."); };
      var manual = function () { say(button, "Could not copy: the link is selected, copy it by hand."); };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done, manual);
      } else {
        try { if (document.execCommand("copy")) { done(); } else { manual(); } } catch (err) { manual(); }
      }
    });
  });
  if (navigator.share) {
    document.querySelectorAll("[data-share]").forEach(function (button) {
      var input = document.querySelector(button.getAttribute("data-share"));
      if (!input) { return; }
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.share({ title: button.getAttribute("data-share-title") || document.title, url: input.value })
          .catch(function () { /* cancelled: nothing to do */ });
      });
    });
  }

  // The service worker (/sw.js): app shell offline, offline form pages, Background Sync.
  // Registered once the page has loaded: installing it fetches the whole app shell (and, for a
  // patient, the offline form pages), which on a slow phone must not compete with this page's
  // own requests and scripts before its first paint and charts.
  function registerWorker() {
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
  }
  if ("serviceWorker" in navigator) {
    if (document.readyState === "complete") { registerWorker(); } else { window.addEventListener("load", registerWorker); }
  }

  // The top bar's menu (<details data-menu>, a phone's "Account" or "Menu"): works without this; with it, a tap
  // outside closes it and Escape closes it and puts the focus back on its summary.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details[data-menu][open]").forEach(function (menu) {
      if (!menu.contains(event.target)) { menu.open = false; }
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    document.querySelectorAll("details[data-menu][open]").forEach(function (menu) {
      menu.open = false;
      menu.querySelector("summary").focus();
    });
  });
})();
