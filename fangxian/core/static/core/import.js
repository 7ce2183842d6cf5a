// Import forms: the upload button is disabled once clicked, so that a double click does
// not post the same file twice (the server also refuses a second import while one runs).
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-import-form]")) { return; }
    form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (button) {
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
    });
  });
})();
