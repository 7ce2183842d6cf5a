// Guard station. Online, every scan goes to the server, which judges and records it.
// When the network is down the station judges passes itself (ECDSA signature with
// WebCrypto, expiry, cached revocation list, campus policy), shows the verdict, and
// queues the scan in localStorage; queued scans are sent when the network is back, each
// with its own id so the server stores it exactly once. A typed number never opens the
// gate: the server answers "verify in person" with the name and photo on file, and the
// guard's confirmation (or refusal) is sent and recorded as a scan of its own.
(function () {
  "use strict";
  var root = document.querySelector("[data-station]");
  if (!root) { return; }
  var config = JSON.parse(document.getElementById("fx-station-config").textContent);
  var QUEUE_KEY = "fx-gate-queue";
  var BUNDLE_KEY = "fx-gate-bundle-" + config.gate;
  var NONCES_KEY = "fx-gate-nonces";
  var words = {};
  document.getElementById("fx-station-words").content.querySelectorAll("[data-word]").forEach(function (el) {
    words[el.getAttribute("data-word")] = el.textContent;
  });
  var input = root.querySelector("[data-scan-input]");
  var verdictBox = root.querySelector("[data-verdict]");
  var photo = verdictBox.querySelector("[data-verdict-photo]");
  var verifyActions = verdictBox.querySelector("[data-verify-actions]");
  var pendingVerify = null;  // the scan id of the typed number the guard is looking at
  var netBadge = root.querySelector("[data-net]");
  var queueBadge = root.querySelector("[data-queue]");
  var bundle = null;
  var keys = {};
  var flushing = false;

  function csrfToken() {
    var match = document.cookie.match(/(?:^|; )(?:__Host-)?csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  function direction() {
    var checked = root.querySelector("input[name=direction]:checked");
    return checked ? checked.value : "in";
  }
  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function load(key, fallback) {
    try { return JSON.parse(localStorage.getItem(key)) || fallback; } catch (e) { return fallback; }
  }
  function save(key, value) { localStorage.setItem(key, JSON.stringify(value)); }
  function message(code) { return (bundle && bundle.messages[code]) || code; }

  function show(state, name, reason, detail, photoUrl) {
    pendingVerify = null;
    verifyActions.classList.add("d-none");
    verdictBox.className = "fx-verdict fx-verdict-" + state;
    verdictBox.setAttribute("data-state", state);
    verdictBox.querySelector("[data-verdict-word]").textContent = words[state] || state;
    verdictBox.querySelector("[data-verdict-name]").textContent = name || "";
    verdictBox.querySelector("[data-verdict-reason]").textContent = reason || "";
    verdictBox.querySelector("[data-verdict-detail]").textContent = detail || "";
    // The photo on file is fetched by its own request after the verdict (online only). It
    // stays hidden until it has loaded, so that the previous holder's photo is never shown
    // beside a new verdict.
    photo.classList.add("d-none");
    if (photoUrl) { photo.src = photoUrl; } else { photo.removeAttribute("src"); }
  }
  photo.addEventListener("load", function () { if (photo.getAttribute("src")) { photo.classList.remove("d-none"); } });
  photo.addEventListener("error", function () { photo.classList.add("d-none"); });
  function setOnline(online) {
    netBadge.textContent = online ? words.online : words.offline;
    netBadge.className = "badge " + (online ? "text-bg-success" : "text-bg-warning");
    netBadge.setAttribute("data-online", online ? "1" : "0");
  }
  function updateQueueBadge() {
    var n = load(QUEUE_KEY, []).length;
    queueBadge.textContent = String(n);
    queueBadge.className = "badge " + (n ? "text-bg-warning" : "text-bg-secondary");
  }

  // --- the bundle for offline checks -------------------------------------------
  function b64urlToBytes(text) {
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) { b64 += "="; }
    var raw = atob(b64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return bytes;
  }
  function importKeys() {
    keys = {};
    return Promise.all((bundle.keys || []).map(function (jwk) {
      var clean = { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, ext: true };
      return crypto.subtle.importKey("jwk", clean, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"])
        .then(function (key) { keys[jwk.kid] = key; });
    }));
  }
  function refreshBundle() {
    return fetch(config.bundle, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
      .then(function (data) { bundle = data; save(BUNDLE_KEY, data); setOnline(true); checkPolicyPanel(); return importKeys(); })
      .catch(function () {
        bundle = bundle || load(BUNDLE_KEY, null);
        if (bundle) { return importKeys(); }
      });
  }

  // --- the policy panel --------------------------------------------------------
  // The panel under the verdict says which policy version is in force and which comes
  // next. A station stays open for a whole shift: when the bundle shows another version
  // in force or coming (or the next one's time has come), the panel is fetched again.
  var panelTimer = null;
  var panelRetries = 0;
  function policyState(nowSeconds) {
    var inForce = policyAt(nowSeconds);
    var next = null;
    (bundle.policies || []).forEach(function (p) {
      if (p.effective_at > nowSeconds && (!next || p.effective_at < next.effective_at)) { next = p; }
    });
    return { shows: (inForce ? inForce.number : "") + ":" + (next ? next.number : ""), next: next };
  }
  function checkPolicyPanel() {
    var panel = root.querySelector("[data-policy-panel]");
    if (!panel || !bundle) { return; }
    var state = policyState(Date.now() / 1000);
    clearTimeout(panelTimer);
    // (The bundle's times are whole seconds, cut down: wait a little past them.)
    if (state.next) { panelTimer = setTimeout(checkPolicyPanel, Math.max(1000, state.next.effective_at * 1000 - Date.now() + 1500)); }
    if (state.shows === panel.getAttribute("data-shows")) { panelRetries = 0; return; }
    fetch(location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        var fresh = html && new DOMParser().parseFromString(html, "text/html").querySelector("[data-policy-panel]");
        if (!fresh) { return; }
        panel.replaceWith(fresh);
        // The page and the bundle disagree (one of them is a moment behind): look again soon.
        if (fresh.getAttribute("data-shows") !== state.shows && panelRetries < 3) {
          panelRetries += 1;
          clearTimeout(panelTimer);
          panelTimer = setTimeout(checkPolicyPanel, 3000);
        }
      })
      .catch(function () { /* offline: the next bundle refresh tries again */ });
  }

  // --- judging a pass on the device -------------------------------------------
  function localMinutes(nowSeconds) {
    var offset = bundle.utc_offset_minutes || 480;
    var minutes = Math.floor(nowSeconds / 60) + offset;
    return ((minutes % 1440) + 1440) % 1440;
  }
  function hhmm(text) { var p = text.split(":"); return parseInt(p[0], 10) * 60 + parseInt(p[1], 10); }
  function policyAt(nowSeconds) {
    var best = null;
    (bundle.policies || []).forEach(function (p) {
      if (p.effective_at <= nowSeconds && (!best || p.effective_at > best.effective_at)) { best = p; }
    });
    return best;
  }
  // What the server reads as a typed student/staff or ID number (services.NUMBER_RE, ID_NUMBER_RE).
  var TYPED_NUMBER = /^(\d{17}[\dXx]|[A-Za-z0-9-]{1,32})$/;
  function judgeOffline(text) {
    var now = Date.now() / 1000;
    // Offline a typed number cannot even show the photo on file: the guard checks the
    // person's card; the server records it as "verify in person" once it is sent.
    if (text.indexOf("FX1.") !== 0 && TYPED_NUMBER.test(text)) {
      return Promise.resolve({ state: "verify", reason: "verify_offline" });
    }
    if (!bundle || text.indexOf("FX1.") !== 0 || text.split(".").length !== 3) {
      return Promise.resolve({ state: text.indexOf("FX1.") === 0 ? "refused" : "queued", reason: text.indexOf("FX1.") === 0 ? "malformed" : "queued" });
    }
    var parts = text.split(".");
    var payload;
    try { payload = JSON.parse(new TextDecoder().decode(b64urlToBytes(parts[1]))); } catch (e) { return Promise.resolve({ state: "refused", reason: "malformed" }); }
    var key = keys[payload.k];
    if (!key) { return Promise.resolve({ state: "refused", reason: "forged", payload: payload }); }
    var signature = b64urlToBytes(parts[2]);
    var signed = new TextEncoder().encode(parts[0] + "." + parts[1]);
    return crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, signature, signed).then(function (ok) {
      if (!ok) { return { state: "refused", reason: "forged", payload: payload }; }
      if (payload.e < now) { return { state: "refused", reason: "expired", payload: payload }; }
      if ((bundle.revoked || []).some(function (r) { return r.subject === payload.s; })) { return { state: "refused", reason: "revoked", payload: payload }; }
      if (payload.c !== null && payload.c !== undefined && payload.c !== config.campus) { return { state: "refused", reason: "other_campus", payload: payload }; }
      var used = load(NONCES_KEY, {});
      if (used[payload.n]) { return { state: "refused", reason: "replayed", payload: payload }; }
      var policy = policyAt(now);
      if (!policy) { return { state: "refused", reason: "no_policy", payload: payload }; }
      var category = null;
      (bundle.priority || []).forEach(function (c) { if (!category && (payload.g || []).indexOf(c) >= 0) { category = c; } });
      if (!category) { return { state: "refused", reason: "not_enrolled", payload: payload }; }
      var dir = direction();
      var rule = null;
      policy.rules.forEach(function (r) { if (r.category === category && r.direction === dir) { rule = r; } });
      if (!rule) { return { state: "refused", reason: "no_rule", payload: payload }; }
      if (rule.decision === "refuse") { return { state: "refused", reason: "policy", payload: payload }; }
      if (rule.start && rule.end) {
        var m = localMinutes(now);
        if (m < hhmm(rule.start) || m >= hhmm(rule.end)) { return { state: "refused", reason: "hours", payload: payload }; }
      }
      var needsWindow = category === "visitor" || category === "contractor" || (rule.decision === "pass" && category === "student_closed");
      if (needsWindow && dir === "in" && category !== "student_closed" && !(payload.w && payload.w[0] - 1800 <= now && now <= payload.w[1])) {
        return { state: "refused", reason: "visit_window", payload: payload };
      }
      if (needsWindow && category === "student_closed" && !(payload.w && (dir === "in" ? payload.w[0] - 1800 <= now : (payload.w[0] - 1800 <= now && now <= payload.w[1])))) {
        return { state: "refused", reason: "no_leave", payload: payload };
      }
      used[payload.n] = Math.round(now);
      Object.keys(used).forEach(function (n) { if (used[n] < now - 600) { delete used[n]; } });
      save(NONCES_KEY, used);
      return { state: "allowed", reason: "ok_offline", payload: payload };
    });
  }

  // --- scanning --------------------------------------------------------------
  function enqueue(item) {
    var queue = load(QUEUE_KEY, []);
    queue.push(item);
    save(QUEUE_KEY, queue);
    updateQueueBadge();
  }
  function scanOffline(item) {
    return judgeOffline(item.text).then(function (result) {
      item.station_verdict = result.state === "allowed" ? "allowed" : (result.state === "refused" ? "refused" : "");
      enqueue(item);
      var name = result.payload ? result.payload.nm : "";
      show(result.state, name, message(result.reason), "");
    });
  }
  function scan(text) {
    var item = { scan_id: uuid(), gate: config.gate, direction: direction(), text: text, scanned_at: new Date().toISOString() };
    if (!navigator.onLine) { setOnline(false); return scanOffline(item); }
    var controller = window.AbortController ? new AbortController() : null;
    var timeout = setTimeout(function () { if (controller) { controller.abort(); } }, 4000);
    return fetch(config.scan, {
      method: "POST", credentials: "same-origin", signal: controller ? controller.signal : undefined,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(item)
    }).then(function (r) {
      clearTimeout(timeout);
      if (!r.ok) { throw new Error("HTTP " + r.status); }
      return r.json();
    }).then(function (data) {
      setOnline(true);
      showVerdict(data);
      flush();
    }).catch(function () {
      clearTimeout(timeout);
      setOnline(false);
      return scanOffline(item);
    });
  }
  function showVerdict(data) {
    var state = data.allowed ? "allowed" : (data.verify ? "verify" : "refused");
    show(state, data.name, data.message, [data.category, data.detail].filter(Boolean).join(" · "), data.photo);
    if (data.verify && !data.duplicate) {
      pendingVerify = data.scan_id;
      verifyActions.classList.remove("d-none");
    }
  }
  function answerVerify(confirmed) {
    var scanId = pendingVerify;
    if (!scanId) { return; }
    pendingVerify = null;
    verifyActions.classList.add("d-none");
    fetch(config.confirm, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ scan_id: scanId, confirmed: confirmed })
    }).then(function (r) {
      return r.json().then(function (data) { return { ok: r.ok, data: data }; });
    }).then(function (res) {
      if (!res.ok) { show("refused", "", res.data.error || "", ""); return; }
      showVerdict(res.data);
    }).catch(function () {
      // No network: nothing was confirmed, so nobody is let through on this number.
      setOnline(false);
      show("refused", "", words["confirm-failed"], "");
    }).then(function () { input.focus(); });
  }
  verifyActions.querySelectorAll("[data-confirm]").forEach(function (button) {
    button.addEventListener("click", function () { answerVerify(button.getAttribute("data-confirm") === "1"); });
  });
  function flush() {
    var queue = load(QUEUE_KEY, []);
    if (flushing || !queue.length || !navigator.onLine) { return Promise.resolve(); }
    flushing = true;
    var batch = queue.slice(0, 200);
    return fetch(config.sync, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ scans: batch })
    }).then(function (r) {
      if (!r.ok) { throw new Error("HTTP " + r.status); }
      return r.json();
    }).then(function (data) {
      var done = {};
      data.results.forEach(function (res) { if (res.status === "stored" || res.status === "duplicate" || res.status === "invalid") { done[res.scan_id] = true; } });
      save(QUEUE_KEY, load(QUEUE_KEY, []).filter(function (item) { return !done[item.scan_id]; }));
      setOnline(true);
    }).catch(function () { setOnline(false); })
      .then(function () { flushing = false; updateQueueBadge(); });
  }

  root.querySelector("[data-scan-form]").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) { return; }
    input.value = "";
    scan(text).then(function () { input.focus(); });
  });
  window.addEventListener("online", function () { setOnline(true); flush(); refreshBundle(); });
  window.addEventListener("offline", function () { setOnline(false); });
  setInterval(flush, 10000);
  setInterval(refreshBundle, 60000);

  // --- camera (jsQR) ---------------------------------------------------------
  var video = root.querySelector("[data-video]");
  var canvas = root.querySelector("[data-canvas]");
  var cameraState = root.querySelector("[data-camera-state]");
  var lastCode = "";
  var lastCodeAt = 0;
  root.querySelector("[data-camera]").addEventListener("click", function () {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.jsQR) { cameraState.textContent = words["camera-off"]; return; }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream;
      video.classList.remove("d-none");
      video.play();
      var context = canvas.getContext("2d", { willReadFrequently: true });
      (function frame() {
        if (video.readyState === video.HAVE_ENOUGH_DATA) {
          canvas.width = video.videoWidth; canvas.height = video.videoHeight;
          context.drawImage(video, 0, 0, canvas.width, canvas.height);
          var image = context.getImageData(0, 0, canvas.width, canvas.height);
          var code = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
          if (code && code.data && (code.data !== lastCode || Date.now() - lastCodeAt > 5000)) {
            lastCode = code.data; lastCodeAt = Date.now();
            scan(code.data);
          }
        }
        requestAnimationFrame(frame);
      })();
    }).catch(function () { cameraState.textContent = words["camera-off"]; });
  });

  updateQueueBadge();
  setOnline(navigator.onLine);
  refreshBundle().then(flush);
})();
