// The print button of the first-login slips (no inline handlers: CSP).
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("[data-print]");
  if (button) { event.preventDefault(); window.print(); }
});
