// Dosing-day screen: the timer since the dose, and typed values kept in sessionStorage until sent.
(function () {
  "use strict";

  // Minutes since the dose, updated every 10 seconds from the server's dose time.
  var timer = document.querySelector("[data-since]");
  if (timer) {
    var since = Date.parse(timer.getAttribute("data-since"));
    var out = timer.querySelector("[data-timer-minutes]");
    var observe = Number(timer.getAttribute("data-observe"));
    var tick = function () {
      var minutes = Math.max(0, Math.floor((Date.now() - since) / 60000));
      out.textContent = String(minutes);
      timer.classList.toggle("done", observe > 0 && minutes >= observe);
    };
    tick();
    window.setInterval(tick, 10000);
  }

  // A half-typed form survives a reload: values go to sessionStorage as they are typed and come
  // back into empty fields; sending the form clears them (the server then has the values).
  document.querySelectorAll("form[data-keep]").forEach(function (form) {
    var key = "katapp-dosing-" + form.getAttribute("data-keep");
    var saved = {};
    try { saved = JSON.parse(window.sessionStorage.getItem(key) || "{}"); } catch (e) { saved = {}; }
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrf_token" || !(el.name in saved)) return;
      if (el.type === "checkbox" || el.type === "radio") {
        if (!form.querySelector("[name='" + el.name + "']:checked") || el.type === "checkbox") {
          el.checked = saved[el.name].indexOf(el.value) !== -1;
        }
      } else if (!el.value) {
        el.value = saved[el.name];
      }
    });
    form.addEventListener("input", function () {
      var data = {};
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.name === "csrf_token" || el.type === "hidden") return;
        if (el.type === "checkbox" || el.type === "radio") {
          data[el.name] = data[el.name] || [];
          if (el.checked) data[el.name].push(el.value);
        } else {
          data[el.name] = el.value;
        }
      });
      window.sessionStorage.setItem(key, JSON.stringify(data));
    });
    form.addEventListener("submit", function () { window.sessionStorage.removeItem(key); });
  });
})();
