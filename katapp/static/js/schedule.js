// Schedule pages: live pre-dose BP warning, integration options toggle.
(function () {
  "use strict";

  // Completing a ketamine session: show the confirm box as soon as the pre-dose BP is above the limit.
  document.querySelectorAll("form[data-bp-limit]").forEach(function (form) {
    var limit = form.getAttribute("data-bp-limit").split("/").map(Number);
    var input = form.querySelector("input[name='bp_before']");
    var box = form.querySelector("[data-bp-warning]");
    if (!input || !box) return;
    function check() {
      var m = /^\s*(\d{2,3})\s*\/\s*(\d{2,3})\s*$/.exec(input.value);
      var high = !!m && (Number(m[1]) > limit[0] || Number(m[2]) > limit[1]);
      var confirm = box.querySelector("input[type=checkbox]");
      box.hidden = !(high || (confirm && confirm.checked));
    }
    input.addEventListener("input", check);
    check();
  });

  // Booking: the length follows the kind of session (90 min ketamine, 30 min follow-up...) until the
  // clinician types a length of their own.
  document.querySelectorAll("form[data-kind-minutes]").forEach(function (form) {
    var minutes = JSON.parse(form.getAttribute("data-kind-minutes"));
    var kind = form.querySelector("select[name='kind']");
    var length = form.querySelector("input[name='duration_minutes']");
    if (!kind || !length) return;
    var previous = kind.value;
    kind.addEventListener("change", function () {
      if (String(minutes[previous]) === length.value || length.value === "") length.value = minutes[kind.value];
      previous = kind.value;
    });
  });

  // Induction series: the integration options only matter when integration sessions are wanted.
  var toggle = document.querySelector("input[name='integration']");
  var extra = document.querySelector("[data-integration-fields]");
  if (toggle && extra) {
    var sync = function () { extra.hidden = !toggle.checked; };
    toggle.addEventListener("change", sync);
    sync();
  }

  // Cancel / no-show: one tap on a phone is easy to make by mistake, so ask first.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    });
  });
})();
