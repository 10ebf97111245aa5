// Passkeys (WebAuthn) for katapp: adding one on the account page and using one at the second step of
// sign-in; the print button of the recovery codes page. No inline script: wired by data- attributes.
(function () {
  "use strict";

  function toBytes(b64url) {
    var b64 = b64url.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) { b64 += "="; }
    var raw = atob(b64), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { out[i] = raw.charCodeAt(i); }
    return out.buffer;
  }

  function toB64url(buffer) {
    var bytes = new Uint8Array(buffer), raw = "";
    for (var i = 0; i < bytes.length; i++) { raw += String.fromCharCode(bytes[i]); }
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), "Accept": "application/json" },
      body: body === undefined ? "{}" : JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          var fields = data.fields || {};
          var message = fields.passkey || fields.two_factor || data.error || "Something went wrong. Try again.";
          throw new Error(message);
        }
        return data;
      });
    });
  }

  function descriptors(list) {
    return (list || []).map(function (c) { return { type: c.type, id: toBytes(c.id), transports: c.transports }; });
  }

  function credentialJSON(cred) {
    var r = cred.response, out = {
      id: cred.id, rawId: toB64url(cred.rawId), type: cred.type,
      clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
      response: { clientDataJSON: toB64url(r.clientDataJSON) }
    };
    if (r.attestationObject) {
      out.response.attestationObject = toB64url(r.attestationObject);
      if (r.getTransports) { out.response.transports = r.getTransports(); }
    } else {
      out.response.authenticatorData = toB64url(r.authenticatorData);
      out.response.signature = toB64url(r.signature);
      if (r.userHandle) { out.response.userHandle = toB64url(r.userHandle); }
    }
    if (cred.authenticatorAttachment) { out.authenticatorAttachment = cred.authenticatorAttachment; }
    return out;
  }

  function wire(box, run) {
    var button = box.querySelector("[data-passkey-start]");
    var error = box.querySelector("[data-passkey-error]");
    if (!button) { return; }
    if (!window.PublicKeyCredential || !navigator.credentials) {
      button.disabled = true;
      var note = box.querySelector("[data-passkey-unsupported]");
      if (note) { note.hidden = false; }
      return;
    }
    button.addEventListener("click", function () {
      error.hidden = true;
      button.disabled = true;
      run(box).then(function (data) {
        window.location.assign(data.redirect || "/");
      }).catch(function (err) {
        var cancelled = err && (err.name === "NotAllowedError" || err.name === "AbortError");
        error.textContent = cancelled ? "The passkey was not used (cancelled or timed out). Try again." : err.message;
        error.hidden = false;
        button.disabled = false;
      });
    });
  }

  function addPasskey(box) {
    return post(box.getAttribute("data-options-url")).then(function (o) {
      o.challenge = toBytes(o.challenge);
      o.user.id = toBytes(o.user.id);
      o.excludeCredentials = descriptors(o.excludeCredentials);
      return navigator.credentials.create({ publicKey: o });
    }).then(function (cred) {
      var name = box.querySelector("[data-passkey-name]");
      return post(box.getAttribute("data-url"), { credential: credentialJSON(cred), name: name ? name.value : "" });
    });
  }

  function signIn(box) {
    return post(box.getAttribute("data-options-url")).then(function (o) {
      o.challenge = toBytes(o.challenge);
      o.allowCredentials = descriptors(o.allowCredentials);
      return navigator.credentials.get({ publicKey: o });
    }).then(function (cred) {
      return post(box.getAttribute("data-url"), credentialJSON(cred));
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var add = document.querySelector("[data-passkey-add]");
    if (add) { wire(add, addPasskey); }
    var step = document.querySelector("[data-passkey-sign-in]");
    if (step) { wire(step, signIn); }
    var print = document.querySelector("[data-print]");
    if (print) { print.addEventListener("click", function () { window.print(); }); }
  });
})();
