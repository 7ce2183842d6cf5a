// Organisation pages: tree expanders and autocomplete fields. No inline scripts (CSP).
(function () {
  "use strict";

  // Tree: the first click loads the children with htmx (hx-trigger "click once");
  // later clicks only fold and unfold what was loaded.
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest && event.target.closest(".fx-toggle");
    if (!toggle) { return; }
    var box = document.getElementById(toggle.getAttribute("aria-controls"));
    var open = toggle.getAttribute("aria-expanded") === "true";
    toggle.setAttribute("aria-expanded", open ? "false" : "true");
    if (box && box.hasAttribute("data-loaded")) { box.classList.toggle("d-none", open); }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target.hasAttribute && event.target.hasAttribute("data-children")) {
      event.target.setAttribute("data-loaded", "1");
    }
  });

  // Autocomplete: typing clears the chosen value; choosing fills the hidden input.
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.hasAttribute || !input.hasAttribute("data-ac-input")) { return; }
    var box = input.closest("[data-ac]");
    box.querySelector("[data-ac-value]").value = "";
  });
  document.addEventListener("click", function (event) {
    var choice = event.target.closest && event.target.closest("[data-ac-choice]");
    if (!choice) { return; }
    var box = choice.closest("[data-ac]");
    box.querySelector("[data-ac-value]").value = choice.getAttribute("data-ac-choice");
    var input = box.querySelector("[data-ac-input]");
    input.value = choice.getAttribute("data-ac-label");
    input.classList.remove("is-invalid");
    box.querySelector("[data-ac-results]").innerHTML = "";
  });
  // The search box of an autocomplete must not submit the form with Enter.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.hasAttribute && event.target.hasAttribute("data-ac-input")) {
      event.preventDefault();
    }
  });
})();
