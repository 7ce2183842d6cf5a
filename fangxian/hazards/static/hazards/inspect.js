// Inspecting on a phone with a poor network: every answer is kept on the phone
// (localStorage) the moment it is given and sent to the server as soon as it can be; a
// draft is never lost. Photos are sent one by one with a token, so a retried upload lands
// once. Without this script the page is an ordinary form.
(function () {
  "use strict";
  var form = document.getElementById("inspect-form");
  if (!form || form.dataset.readonly) {
    return;
  }
  var saveUrl = form.dataset.saveUrl;
  var photoUrl = form.dataset.photoUrl;
  var key = form.dataset.draftKey;
  var state = document.getElementById("save-state");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var timer = null;
  var sending = false;
  var photoQueue = [];
  var releasing = false;

  function load() {
    try {
      return JSON.parse(window.localStorage.getItem(key) || "{}");
    } catch (e) {
      return {};
    }
  }

  function store(pending) {
    try {
      if (Object.keys(pending).length) {
        window.localStorage.setItem(key, JSON.stringify(pending));
      } else {
        window.localStorage.removeItem(key);
      }
    } catch (e) {
      // Storage full or disabled: the answer is still in the page and will be sent.
    }
  }

  function show(kind, text) {
    state.className = kind === "ok" ? "text-success" : kind === "pending" ? "text-warning" : "text-danger";
    state.textContent = text || state.dataset[kind === "ok" ? "savedText" : kind === "pending" ? "pendingText" : "errorText"];
    state.dataset.state = kind;
  }

  function field(id, name) {
    return form.querySelector("[name='" + name + "-" + id + "']");
  }

  function answerOf(box) {
    var id = box.dataset.item;
    var checked = form.querySelector("input[name='result-" + id + "']:checked");
    var level = field(id, "level");
    var note = field(id, "note");
    var reading = field(id, "reading");
    return {
      item: id,
      result: checked ? checked.value : "",
      level: level ? level.value : "",
      note: note ? note.value : "",
      reading: reading ? reading.value : ""
    };
  }

  function apply(answer) {
    var id = answer.item;
    var radio = form.querySelector("input[name='result-" + id + "'][value='" + answer.result + "']");
    if (radio) {
      radio.checked = true;
    }
    ["level", "note", "reading"].forEach(function (name) {
      var input = field(id, name);
      if (input && answer[name] !== undefined) {
        input.value = answer[name];
      }
    });
    toggle(form.querySelector("fieldset[data-item='" + id + "']"));
  }

  function toggle(box) {
    if (!box) {
      return;
    }
    var checked = box.querySelector("input[type=radio]:checked");
    var fail = box.querySelector(".hz-fail");
    if (fail) {
      fail.classList.toggle("d-none", !(checked && checked.value === "fail"));
    }
  }

  function flush() {
    var pending = load();
    var answers = Object.keys(pending).map(function (id) { return pending[id]; });
    if (!answers.length) {
      return Promise.resolve(true);
    }
    if (sending) {
      return Promise.resolve(false);
    }
    sending = true;
    return fetch(saveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ answers: answers, note: document.getElementById("inspection-note").value })
    }).then(function (response) {
      sending = false;
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (response.ok) {
          var now = load();
          answers.forEach(function (sent) {
            if (JSON.stringify(now[sent.item]) === JSON.stringify(sent)) {
              delete now[sent.item];
            }
          });
          store(now);
          show("ok", state.dataset.savedText + " " + (body.saved_at || ""));
          return Object.keys(now).length === 0;
        }
        if (response.status >= 500 || response.status === 429) {
          throw new Error("server");
        }
        show("error", body.detail || state.dataset.errorText);
        return false;
      });
    }).catch(function () {
      sending = false;
      show("pending");
      schedule(5000);
      return false;
    });
  }

  function schedule(delay) {
    window.clearTimeout(timer);
    timer = window.setTimeout(flush, delay);
  }

  function remember(box) {
    var pending = load();
    var answer = answerOf(box);
    pending[answer.item] = answer;
    store(pending);
    show("pending");
    schedule(400);
  }

  function token() {
    var bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function sendPhotos() {
    if (!photoQueue.length) {
      return Promise.resolve(true);
    }
    var job = photoQueue[0];
    var data = new FormData();
    data.append("item", job.item);
    data.append("token", job.token);
    data.append("photo", job.file);
    job.status.textContent = "…";
    return fetch(photoUrl, { method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf }, body: data })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (response.status >= 500 || response.status === 429) {
            throw new Error("server");
          }
          photoQueue.shift();
          if (response.ok) {
            var img = document.createElement("img");
            img.className = "hz-thumb";
            img.src = body.url;
            img.alt = "";
            img.dataset.testid = "photo-" + job.position;
            img.setAttribute("data-testid", "photo-" + job.position);
            job.status.parentNode.insertBefore(img, job.status.previousElementSibling);
            job.status.textContent = "";
          } else {
            job.status.textContent = body.detail || state.dataset.errorText;
            job.status.className = "small text-danger hz-photo-state";
            job.status.setAttribute("data-testid", "photo-error");
          }
          return sendPhotos();
        });
      })
      .catch(function () {
        job.status.textContent = state.dataset.pendingText;
        window.setTimeout(sendPhotos, 5000);
        return false;
      });
  }

  // Answers kept on the phone and not yet sent win over what the page was drawn with.
  var kept = load();
  Object.keys(kept).forEach(function (id) { apply(kept[id]); });
  if (Object.keys(kept).length) {
    show("pending");
    flush();
  }
  Array.prototype.forEach.call(form.querySelectorAll("fieldset.hz-item"), toggle);

  form.addEventListener("change", function (event) {
    var box = event.target.closest("fieldset.hz-item");
    if (!box) {
      return;
    }
    if (event.target.classList.contains("hz-photo-input")) {
      var status = box.querySelector(".hz-photo-state");
      Array.prototype.forEach.call(event.target.files, function (file) {
        photoQueue.push({ item: box.dataset.item, token: token(), file: file, status: status, position: box.dataset.testid.replace("item-", "") });
      });
      event.target.value = "";
      // The answer exists before its photo: send it first.
      remember(box);
      flush().then(sendPhotos);
      return;
    }
    toggle(box);
    remember(box);
  });
  form.addEventListener("input", function (event) {
    var box = event.target.closest("fieldset.hz-item");
    if (box && event.target.tagName === "INPUT" && event.target.type === "text") {
      remember(box);
    }
  });
  window.addEventListener("online", function () {
    flush();
    sendPhotos();
  });

  // Saving or submitting: send what is kept first; if the network is down, stay on the
  // page (the draft is on the phone) instead of losing the answers to a failed request.
  form.addEventListener("submit", function (event) {
    if (releasing) {
      return;
    }
    event.preventDefault();
    var submitter = event.submitter;
    flush().then(function (allSent) {
      if (!allSent || photoQueue.length) {
        show("pending");
        return;
      }
      releasing = true;
      if (submitter && form.requestSubmit) {
        form.requestSubmit(submitter);
      } else {
        form.submit();
      }
    });
  });
})();
