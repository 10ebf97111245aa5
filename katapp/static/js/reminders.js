// Reminders page: turn push notifications on or off for this phone. The browser's permission prompt
// appears only after the patient taps the button (never on page load).
(function () {
  "use strict";

  var box = document.getElementById("push-optin");
  if (!box) return;
  var on = document.getElementById("push-on");
  var off = document.getElementById("push-off");
  var status = document.getElementById("push-status");
  var url = box.getAttribute("data-subscribe-url");

  function say(text) { status.textContent = text; }

  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function keyBytes(b64) {
    var padded = (b64 + "===".slice((b64.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }

  function send(method, subscription) {
    return fetch(url, {
      method: method, credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf()},
      body: JSON.stringify(method === "DELETE" ? {endpoint: subscription.endpoint} : subscription.toJSON())
    }).then(function (response) {
      if (!response.ok && response.status !== 404) throw new Error("server answered " + response.status);
      return response;
    });
  }

  function registration() {
    return navigator.serviceWorker.register("/sw.js", {scope: "/"}).then(function () {
      return navigator.serviceWorker.ready;
    });
  }

  function show(subscribed) {
    on.hidden = subscribed;
    off.hidden = !subscribed;
  }

  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    say("This browser cannot show notifications: your reminders come by email instead.");
    return;
  }
  if (Notification.permission === "denied") {
    say("Notifications are blocked for katapp in this browser's settings: your reminders come by email instead. " +
        "To use notifications, allow them for this site in your phone's settings, then reload this page.");
    return;
  }

  registration().then(function (reg) { return reg.pushManager.getSubscription(); }).then(function (sub) {
    show(!!sub);
    if (sub) say("Notifications are on for this phone.");
  }).catch(function () { show(false); });

  on.addEventListener("click", function () {
    on.disabled = true;
    say("Asking your phone for permission…");
    Notification.requestPermission().then(function (answer) {
      if (answer !== "granted") throw new Error("not-granted");
      return registration();
    }).then(function (reg) {
      return reg.pushManager.subscribe({userVisibleOnly: true, applicationServerKey: keyBytes(box.getAttribute("data-vapid-key"))});
    }).then(function (sub) {
      return send("POST", sub);
    }).then(function () {
      show(true);
      var enabled = document.querySelector("input[name='enabled']");
      if (enabled && !enabled.checked) {
        enabled.checked = true;  // they asked for reminders: tick it, and let them check the times before saving
        say("Notifications are on for this phone. Check the times below, then tap \u201cSave reminders\u201d to start.");
        var save = document.querySelector("form button[type='submit']");
        if (save) save.focus();
      } else {
        say("Notifications are on for this phone.");
      }
    }).catch(function (err) {
      say(err && err.message === "not-granted"
        ? "You did not allow notifications, so reminders come by email instead. You can try again at any time."
        : "Notifications could not be turned on just now (" + (err && err.message || "unknown error") + "). Reminders come by email meanwhile.");
    }).then(function () { on.disabled = false; });
  });

  off.addEventListener("click", function () {
    off.disabled = true;
    registration().then(function (reg) { return reg.pushManager.getSubscription(); }).then(function (sub) {
      if (!sub) return null;
      return send("DELETE", sub).then(function () { return sub.unsubscribe(); });
    }).then(function () {
      show(false);
      say("Notifications are off for this phone. Reminders you keep on come by email.");
    }).catch(function () {
      say("Notifications could not be turned off just now. Please try again.");
    }).then(function () { off.disabled = false; });
  });
})();
