// katapp crisis help on the phone (issue #11): when an entry kept on this phone carries a safety
// answer, show the crisis help at once, from the text every patient page carries
// (<script type="application/json" id="crisis-help-data">, katapp/crisis_help.py), so it works
// offline; when the entry has been sent, say whether the care team was told (the server's
// `care_team_notified`), never more than is true. No streak or encouragement next to it.
// Loaded on every page after offline-queue.js; defines self.KatappCrisis. Listens for:
//   katapp:offline-queued {body}  (offline-forms.js: an entry was kept on this phone)
//   katapp:queue-sent {sent: [{flags, care_team_notified, crisis_help}]}  (offline-banner.js)
(function (root) {
  "use strict";

  if (typeof document === "undefined") { return; }
  var Queue = root.KatappQueue;
  var userId = document.body ? document.body.getAttribute("data-user-id") : null;
  var help = null;
  try {
    var data = document.getElementById("crisis-help-data");
    help = data ? JSON.parse(data.textContent) : null;
  } catch (err) {
    help = null;
  }

  // The safety answers (katapp/domain/instruments.py, SAFETY_FLAGS): "yes" to the daily safety
  // question, and PHQ-9 item 9 (thoughts of being better off dead or of self-harm) above 0.
  function isSafetyAnswer(body) {
    if (!body) { return false; }
    if (body.self_harm_thoughts === true) { return true; }
    return body.instrument === "phq9" && Array.isArray(body.answers) && Number(body.answers[8]) > 0;
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text != null) { node.textContent = text; }
    return node;
  }

  // The same card as templates/macros/crisis.html.
  function build() {
    var section = el("section", { class: "crisis", role: "alert", "aria-labelledby": "crisis-title", "data-crisis": "" });
    section.tabIndex = -1;
    section.appendChild(el("h2", { id: "crisis-title" }, "Get help now"));
    var list = el("ul", { class: "crisis-actions" });
    var resources = help ? help.resources : [{ label: "Open the crisis help page", kind: "web", href: "/help" }];
    resources.forEach(function (r) {
      var li = el("li");
      li.appendChild(r.href ? el("a", { class: "button crisis-button crisis-" + r.kind, href: r.href }, r.label)
        : el("p", { class: "crisis-info" }, r.label));
      list.appendChild(li);
    });
    section.appendChild(list);
    if (help) { section.appendChild(el("p", { class: "crisis-honest" }, help.honest)); }
    if (help && help.text) { section.appendChild(el("p", { class: "crisis-text" }, help.text)); }
    var main = document.querySelector("main") || document.body;
    main.insertBefore(section, main.firstChild);
    return section;
  }

  // state "waiting" (kept on this phone) or "sent"; `notified` is the server's care_team_notified.
  function show(state, notified) {
    var section = document.querySelector("[data-crisis]") || build();
    var told = section.querySelector("[data-crisis-told]");
    if (!told) {
      told = el("p", { class: "crisis-told", "data-crisis-told": "" });
      section.insertBefore(told, section.querySelector(".crisis-actions").nextSibling); // the buttons come first
    }
    var words = {
      waiting: help ? help.waiting : "Your answer is kept on this phone and sent when you are back online.",
      told: help ? help.told : "Your care team has been told and will follow up with you.",
      not_told: help ? help.not_told : "We could not reach a clinician automatically: please call the clinic."
    };
    var key = state === "waiting" ? "waiting" : notified === true ? "told" : "not_told";
    told.textContent = words[key];
    told.setAttribute("data-crisis-state", key);
    told.classList.toggle("crisis-not-told", key !== "told");
    Array.prototype.forEach.call(document.querySelectorAll("[data-encouragement]"), function (node) { node.hidden = true; });
    if (section.scrollIntoView) { section.scrollIntoView({ block: "start" }); } // scroll-margin clears the sticky banner
    section.focus({ preventScroll: true });
  }

  document.addEventListener("katapp:offline-queued", function (event) {
    if (event.detail && isSafetyAnswer(event.detail.body)) { show("waiting"); }
  });
  document.addEventListener("katapp:queue-sent", function (event) {
    var flagged = ((event.detail && event.detail.sent) || []).filter(function (s) { return s.flags && s.flags.length; });
    if (!flagged.length) { return; }
    // Told only when every flagged entry reached a person.
    show("sent", flagged.every(function (s) { return s.care_team_notified === true; }));
  });

  // A page opened later (offline too): a safety answer still waiting on this phone shows help.
  if (userId && Queue) {
    Queue.itemsFor(userId).then(function (items) {
      if (items.some(function (i) { return Queue.SENDABLE[i.status] && isSafetyAnswer(i.body); })) { show("waiting"); }
    }).catch(function () { return null; });
  }

  root.KatappCrisis = { isSafetyAnswer: isSafetyAnswer, show: show };
})(self);
