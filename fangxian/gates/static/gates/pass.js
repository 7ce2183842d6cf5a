// Personal pass: fetch a freshly signed pass every half minute and show it as a QR code.
(function () {
  "use strict";
  var box = document.querySelector("[data-pass]");
  if (!box) { return; }
  var img = box.querySelector("[data-pass-qr]");
  var countdown = box.querySelector("[data-pass-countdown]");
  var words = {};
  var template = document.getElementById("fx-pass-words");
  if (template) {
    template.content.querySelectorAll("[data-word]").forEach(function (el) { words[el.getAttribute("data-word")] = el.textContent; });
  }
  var expires = 0;
  var timer = null;

  function tick() {
    var left = Math.round(expires - Date.now() / 1000);
    if (left > 0) {
      countdown.textContent = (words.valid || "%s").replace("%s", left);
    } else {
      countdown.textContent = words.expired || "";
      img.classList.add("opacity-25");
    }
  }

  function load() {
    fetch(box.getAttribute("data-url"), { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        img.src = data.qr;
        img.classList.remove("opacity-25");
        box.setAttribute("data-payload", data.token);
        expires = data.expires;
        box.querySelector("[data-pass-revoked]").classList.toggle("d-none", !data.revoked);
        box.querySelector("[data-pass-error]").classList.add("d-none");
        clearTimeout(timer);
        timer = setTimeout(load, (data.refresh_seconds || 30) * 1000);
        tick();
      })
      .catch(function () {
        box.querySelector("[data-pass-error]").classList.remove("d-none");
        clearTimeout(timer);
        timer = setTimeout(load, 10000);
      });
  }

  document.addEventListener("visibilitychange", function () { if (!document.hidden) { load(); } });
  setInterval(tick, 1000);
  load();
})();
