// The sampler's page: a pass read by the phone's camera (jsQR) fills the scan field and
// records the sampling, as a hand scanner typing into the field would.
(function () {
  "use strict";
  var root = document.querySelector("[data-sampler]");
  var form = root && root.querySelector("[data-sample-form]");
  if (!form) { return; }
  var input = form.querySelector("[data-scan-input]");
  var video = form.querySelector("[data-video]");
  var canvas = form.querySelector("[data-canvas]");
  var state = form.querySelector("[data-camera-state]");
  var sent = false;
  form.querySelector("[data-camera]").addEventListener("click", function () {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.jsQR) { state.textContent = state.dataset.off; return; }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream;
      video.classList.remove("d-none");
      video.play();
      var context = canvas.getContext("2d", { willReadFrequently: true });
      (function frame() {
        if (sent) { return; }
        if (video.readyState === video.HAVE_ENOUGH_DATA) {
          canvas.width = video.videoWidth; canvas.height = video.videoHeight;
          context.drawImage(video, 0, 0, canvas.width, canvas.height);
          var image = context.getImageData(0, 0, canvas.width, canvas.height);
          var code = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
          if (code && code.data) {
            sent = true;
            input.value = code.data;
            form.submit();
            return;
          }
        }
        requestAnimationFrame(frame);
      })();
    }).catch(function () { state.textContent = state.dataset.off; });
  });
})();
