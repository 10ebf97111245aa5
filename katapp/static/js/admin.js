// Admin pages: the new-account form shows the care-team boxes only when the role is patient.
// Progressive enhancement: without JavaScript every box shows and the server ignores the care
// team of a clinician or admin (and still requires one for a patient).
(function () {
  "use strict";
  document.querySelectorAll("[data-shown-for-role]").forEach(function (part) {
    var select = document.querySelector(part.getAttribute("data-role-select"));
    if (!select) { return; }
    var wanted = part.getAttribute("data-shown-for-role");
    var fieldset = part.querySelector("fieldset");
    function update() {
      var show = select.value === wanted;
      part.hidden = !show;
      if (fieldset) { fieldset.disabled = !show; }
    }
    select.addEventListener("change", update);
    update();
  });
})();
