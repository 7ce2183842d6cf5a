// Daily report form: one tap marks a section (or all) as 无异常; the submit button is
// disabled after the first click so that a double tap sends one request.
(function () {
  "use strict";
  function sync(box) {
    var section = box.closest("[data-section]");
    if (section) { section.classList.toggle("is-zero", box.checked); }
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("[data-zero-toggle]")) { sync(event.target); }
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-zero-all]");
    if (!button) { return; }
    document.querySelectorAll("[data-zero-toggle]").forEach(function (box) { box.checked = true; sync(box); });
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("[data-report-form]")) { return; }
    if (form.dataset.sent) { event.preventDefault(); return; }
    form.dataset.sent = "1";
    var submitter = event.submitter;
    if (submitter && submitter.name) {
      // A disabled button is not sent with the form, so carry its value in a hidden field.
      var hidden = document.createElement("input");
      hidden.type = "hidden"; hidden.name = submitter.name; hidden.value = submitter.value;
      form.appendChild(hidden);
    }
    form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (b) { b.disabled = true; });
  });
})();
