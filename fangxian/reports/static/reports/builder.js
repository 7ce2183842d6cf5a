// The report-form builder: edits the sections and fields of a form version on the page
// and keeps the JSON definition (the form's hidden textarea) in step with it, with a live
// preview of the phone form. The server checks the definition as before (schema.py).
(function () {
  "use strict";

  var root = document.querySelector("[data-form-builder]");
  if (!root) { return; }
  var target = document.getElementById(root.getAttribute("data-target"));
  var preview = document.querySelector("[data-form-preview]");
  var T = JSON.parse(document.getElementById("builder-text").textContent);
  var SOURCES = JSON.parse(document.getElementById("builder-sources").textContent);
  var TYPES = ["integer", "decimal", "text", "yesno", "choice", "date"];
  var NUMERIC = ["integer", "decimal"];
  var OPS = [">", ">=", "=", "!=", "<=", "<"];

  var model;
  try { model = JSON.parse(target.value || "{}"); } catch (e) { model = {}; }
  if (!model || !Array.isArray(model.sections)) { model = { sections: [] }; }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "text") { node.textContent = attrs[name]; } else { node.setAttribute(name, attrs[name]); }
    });
    (children || []).forEach(function (child) { if (child) { node.appendChild(child); } });
    return node;
  }

  function freeKey(prefix, items) {
    var used = {};
    items.forEach(function (item) { used[item.key] = true; });
    for (var n = 1; ; n++) { if (!used[prefix + n]) { return prefix + n; } }
  }

  function save() {
    target.value = JSON.stringify(model, null, 2);
    drawPreview();
  }

  function input(value, onchange, attrs) {
    var node = el("input", Object.assign({ "class": "form-control form-control-sm", type: "text" }, attrs || {}));
    node.value = value == null ? "" : value;
    node.addEventListener("input", function () { onchange(node.value); save(); });
    return node;
  }

  function check(label, checked, onchange, testid) {
    var id = "b" + Math.random().toString(36).slice(2, 9);
    var box = el("input", { "class": "form-check-input", type: "checkbox", id: id });
    if (testid) { box.setAttribute("data-testid", testid); }
    box.checked = !!checked;
    box.addEventListener("change", function () { onchange(box.checked); save(); });
    return el("div", { "class": "form-check form-check-inline small" }, [box, el("label", { "class": "form-check-label", "for": id, text: label })]);
  }

  function select(options, value, onchange, attrs) {
    var node = el("select", Object.assign({ "class": "form-select form-select-sm" }, attrs || {}));
    options.forEach(function (opt) {
      var o = el("option", { value: opt[0], text: opt[1] });
      if (String(opt[0]) === String(value == null ? "" : value)) { o.selected = true; }
      node.appendChild(o);
    });
    node.addEventListener("change", function () { onchange(node.value); save(); draw(); });
    return node;
  }

  function button(text, onclick, cls, testid) {
    var node = el("button", { type: "button", "class": "btn btn-sm " + (cls || "btn-outline-secondary"), text: text });
    if (testid) { node.setAttribute("data-testid", testid); }
    node.addEventListener("click", function () { onclick(); save(); draw(); });
    return node;
  }

  function move(list, index, step) {
    var other = index + step;
    if (other < 0 || other >= list.length) { return; }
    var item = list[index]; list[index] = list[other]; list[other] = item;
  }

  function labelled(text, control) {
    return el("label", { "class": "small d-block mb-1" }, [el("span", { "class": "text-secondary", text: text }), control]);
  }

  function alertEditor(field) {
    var rule = (field.alerts || [])[0] || null;
    var wrap = el("div", { "class": "d-flex flex-wrap gap-1 align-items-center mt-1" });
    var kind = field.type;
    if (NUMERIC.indexOf(kind) < 0 && kind !== "yesno" && kind !== "choice") { return null; }
    wrap.appendChild(el("span", { "class": "small text-danger", text: T.alert }));
    var ops = kind === "yesno" ? ["="] : (kind === "choice" ? ["=", "!="] : OPS);
    var opSelect = select([["", T.no_alert]].concat(ops.map(function (o) { return [o, o]; })), rule ? rule.op : "", function (v) {
      if (!v) { delete field.alerts; return; }
      var value = rule ? rule.value : (kind === "yesno" ? true : (kind === "choice" ? (field.choices || [""])[0] : 0));
      field.alerts = [{ op: v, value: value }];
    }, { "aria-label": T.alert, "data-testid": "alert-op", "class": "form-select form-select-sm w-auto" });
    wrap.appendChild(opSelect);
    if (rule) {
      if (kind === "yesno") {
        wrap.appendChild(select([["true", T.yes], ["false", T.no]], String(rule.value), function (v) { rule.value = v === "true"; }, { "aria-label": T.alert_value, "class": "form-select form-select-sm w-auto" }));
      } else if (kind === "choice") {
        wrap.appendChild(select((field.choices || []).map(function (c) { return [c, c]; }), rule.value, function (v) { rule.value = v; }, { "aria-label": T.alert_value, "class": "form-select form-select-sm w-auto" }));
      } else {
        wrap.appendChild(input(rule.value, function (v) { var n = Number(v); rule.value = isNaN(n) ? v : n; }, { "aria-label": T.alert_value, inputmode: "numeric", "data-testid": "alert-value", "class": "form-control form-control-sm w-auto" }));
      }
    }
    return wrap;
  }

  function fieldEditor(section, field, index) {
    var card = el("div", { "class": "border rounded p-2 mb-2 bg-body", "data-testid": "builder-field" });
    var row = el("div", { "class": "row g-1" });
    row.appendChild(el("div", { "class": "col-12 col-md-5" }, [labelled(T.label, input(field.label, function (v) { field.label = v; }, { "data-testid": "field-label" }))]));
    row.appendChild(el("div", { "class": "col-6 col-md-3" }, [labelled(T.type, select(TYPES.map(function (t) { return [t, T["type_" + t]]; }), field.type, function (v) {
      field.type = v;
      if (v === "choice" && !field.choices) { field.choices = []; }
      if (v !== "choice") { delete field.choices; }
      delete field.alerts;
      if (NUMERIC.indexOf(v) >= 0) { field.min = 0; } else { delete field.min; delete field.unit; }
    }, { "data-testid": "field-type" }))]));
    if (NUMERIC.indexOf(field.type) >= 0) {
      row.appendChild(el("div", { "class": "col-6 col-md-2" }, [labelled(T.unit, input(field.unit, function (v) { if (v) { field.unit = v; } else { delete field.unit; } }))]));
    }
    card.appendChild(row);
    if (field.type === "choice") {
      card.appendChild(labelled(T.choices, input((field.choices || []).join("、"), function (v) {
        field.choices = v.split(/[,，、]/).map(function (c) { return c.trim(); }).filter(Boolean);
      }, { "data-testid": "field-choices" })));
    }
    var flags = el("div", { "class": "d-flex flex-wrap gap-2 align-items-center" });
    flags.appendChild(check(T.required, field.required, function (v) { if (v) { field.required = true; } else { delete field.required; } }));
    if (NUMERIC.indexOf(field.type) >= 0 && SOURCES.length) {
      flags.appendChild(select([["", T.no_prefill]].concat(SOURCES), field.prefill || "", function (v) { if (v) { field.prefill = v; } else { delete field.prefill; } }, { "aria-label": T.prefill, "class": "form-select form-select-sm w-auto" }));
    }
    card.appendChild(flags);
    var alerts = alertEditor(field);
    if (alerts) { card.appendChild(alerts); }
    var tools = el("div", { "class": "d-flex gap-1 mt-1" });
    tools.appendChild(button("↑", function () { move(section.fields, index, -1); }));
    tools.appendChild(button("↓", function () { move(section.fields, index, 1); }));
    tools.appendChild(button(T.remove, function () { section.fields.splice(index, 1); }, "btn-outline-danger"));
    card.appendChild(tools);
    return card;
  }

  function sumEditor(section) {
    var numeric = section.fields.filter(function (f) { return NUMERIC.indexOf(f.type) >= 0; });
    if (numeric.length < 3) { return null; }
    var rule = (section.sums || [])[0] || null;
    var wrap = el("div", { "class": "small mt-1" });
    wrap.appendChild(el("span", { "class": "text-secondary me-1", text: T.sum }));
    wrap.appendChild(select([["", T.no_sum]].concat(numeric.map(function (f) { return [f.key, f.label || f.key]; })), rule ? rule.total : "", function (v) {
      if (!v) { delete section.sums; return; }
      section.sums = [{ total: v, parts: numeric.filter(function (f) { return f.key !== v; }).map(function (f) { return f.key; }) }];
    }, { "aria-label": T.sum, "class": "form-select form-select-sm w-auto d-inline-block" }));
    if (rule) {
      numeric.filter(function (f) { return f.key !== rule.total; }).forEach(function (f) {
        wrap.appendChild(check(f.label || f.key, rule.parts.indexOf(f.key) >= 0, function (v) {
          rule.parts = rule.parts.filter(function (p) { return p !== f.key; });
          if (v) { rule.parts.push(f.key); }
        }));
      });
    }
    return wrap;
  }

  function draw() {
    root.textContent = "";
    model.sections.forEach(function (section, index) {
      var card = el("div", { "class": "card mb-3", "data-testid": "builder-section" });
      var head = el("div", { "class": "card-header d-flex flex-wrap gap-1 align-items-center" });
      head.appendChild(el("div", { "class": "flex-grow-1" }, [input(section.title, function (v) { section.title = v; }, { "aria-label": T.section_title, placeholder: T.section_title, "data-testid": "section-title" })]));
      head.appendChild(check(T.zero, section.zero !== false, function (v) { if (v) { delete section.zero; } else { section.zero = false; } }));
      head.appendChild(button("↑", function () { move(model.sections, index, -1); }));
      head.appendChild(button("↓", function () { move(model.sections, index, 1); }));
      head.appendChild(button(T.remove, function () { model.sections.splice(index, 1); }, "btn-outline-danger"));
      card.appendChild(head);
      var body = el("div", { "class": "card-body p-2" });
      section.fields = section.fields || [];
      section.fields.forEach(function (field, n) { body.appendChild(fieldEditor(section, field, n)); });
      body.appendChild(button(T.add_field, function () {
        section.fields.push({ key: freeKey("f", section.fields), label: "", type: "integer", min: 0 });
      }, "btn-outline-primary", "add-field"));
      var sums = sumEditor(section);
      if (sums) { body.appendChild(sums); }
      card.appendChild(body);
      root.appendChild(card);
    });
    root.appendChild(button(T.add_section, function () {
      model.sections.push({ key: freeKey("s", model.sections), title: "", fields: [] });
    }, "btn-primary", "add-section"));
    drawPreview();
  }

  function drawPreview() {
    if (!preview) { return; }
    preview.textContent = "";
    model.sections.forEach(function (section) {
      var card = el("div", { "class": "card mb-2" }, [el("div", { "class": "card-header py-1 small fw-semibold", text: section.title || "…" })]);
      var body = el("div", { "class": "card-body p-2" });
      (section.fields || []).forEach(function (f) {
        var label = (f.label || "…") + (f.unit ? "（" + f.unit + "）" : "") + (f.required ? " *" : "");
        var control;
        if (f.type === "yesno") {
          control = el("div", { "class": "btn-group btn-group-sm w-100" }, [el("span", { "class": "btn btn-outline-secondary", text: T.no }), el("span", { "class": "btn btn-outline-danger", text: T.yes })]);
        } else if (f.type === "choice") {
          control = el("select", { "class": "form-select form-select-sm", disabled: "disabled", "aria-label": label }, (f.choices || []).map(function (c) { return el("option", { text: c }); }));
        } else if (f.type === "text") {
          control = el("textarea", { "class": "form-control form-control-sm", rows: "1", disabled: "disabled", "aria-label": label });
        } else {
          control = el("input", { "class": "form-control form-control-sm", type: f.type === "date" ? "date" : "text", disabled: "disabled", "aria-label": label });
        }
        var alert = (f.alerts || [])[0];
        body.appendChild(el("div", { "class": "mb-2" }, [
          el("div", { "class": "small", text: label }), control,
          alert ? el("div", { "class": "small text-danger", "data-testid": "preview-alert", text: T.alert + " " + alert.op + " " + (alert.value === true ? T.yes : alert.value === false ? T.no : alert.value) }) : null,
        ]));
      });
      card.appendChild(body);
      preview.appendChild(card);
    });
  }

  draw();
  save();
})();
