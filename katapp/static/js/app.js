// katapp: small progressive enhancements for every page (no inline script anywhere).
(function () {
  "use strict";
  document.addEventListener("focusin", function (event) {
    var el = event.target;
    if (el && el.hasAttribute && el.hasAttribute("data-select-on-focus")) { el.select(); }
  });
})();
