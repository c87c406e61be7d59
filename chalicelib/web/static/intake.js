// Maeul intake form: one step at a time, each step checked before the next, a review step, and
// only the final button sends (Enter in a field never does). Errors from the API are shown next to
// their field, on their step. Dates are checked against the site's today (data-today), not the
// browser's clock.
"use strict";
window.Maeul.page("intake", function (M, form) {
  var steps = Array.prototype.slice.call(form.querySelectorAll(".step"));
  var REVIEW = steps.length - 1;
  var back = document.getElementById("step-back");
  var next = document.getElementById("step-next");
  var submit = document.getElementById("submit");
  var counter = document.getElementById("step-count");
  var summary = document.getElementById("error-summary");
  var statusLine = document.getElementById("form-status");
  var today = form.dataset.today;
  var current = 0;
  var idempotencyKey = null;   // one per submission attempt of the same answers; memory only
  var sending = false;

  function value(name) {
    var field = form.elements[name];
    if (!field) { return undefined; }
    if (field instanceof RadioNodeList) { return field.value || undefined; }
    return field.value.trim();
  }
  function chars(text) { return Array.from(text || "").length; }  // characters, not UTF-16 units
  function optionalConsent() { return form.consent_optional.checked; }
  function sensitiveMarked() { return form.sensitive_health.checked || form.sensitive_union.checked; }

  // --- steps ---------------------------------------------------------------------------------------
  function show(index, focus) {
    current = Math.max(0, Math.min(index, steps.length - 1));
    steps.forEach(function (s, i) { s.hidden = i !== current; });
    back.hidden = current === 0;
    next.hidden = current === REVIEW;
    submit.hidden = current !== REVIEW;
    counter.textContent = M.t("js.intake.step", {n: current + 1, total: steps.length});
    // the KRDS step indicator: the current step marked for screen readers, done steps not by colour alone
    var list = document.getElementById("step-list");
    if (list) {
      Array.prototype.forEach.call(list.children, function (li, i) {
        if (i === current) { li.setAttribute("aria-current", "step"); } else { li.removeAttribute("aria-current"); }
        li.classList.toggle("done", i < current);
        var mark = li.querySelector(".visually-hidden");
        if (i < current && !mark) { li.appendChild(M.el("span", {class: "visually-hidden", text: " (" + list.dataset.done + ")"})); }
        if (i >= current && mark) { li.removeChild(mark); }
      });
    }
    if (current === REVIEW) { fillReview(); }
    if (focus) {
      var heading = steps[current].querySelector("h2");
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    }
  }
  back.addEventListener("click", function () { clearErrors(); show(current - 1, true); });
  next.addEventListener("click", function () {
    var problems = check(current);
    if (problems.length) { showErrors(problems); return; }
    clearErrors();
    show(current + 1, true);
  });

  // Enter in a one-line field (Android's "이동"/"Go") never sends the form: only the final button does.
  form.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key === "Enter" && target.tagName === "INPUT" && target.type !== "submit" && target.type !== "button") {
      event.preventDefault();
    }
  });

  // Dates only when they apply; the sensitive-data consent only when something sensitive is marked.
  function sync() {
    var status = value("employment_status");
    form.querySelectorAll("[data-show-when]").forEach(function (box) {
      box.hidden = box.dataset.showWhen !== status;
    });
    document.getElementById("sensitive-consent").hidden = !sensitiveMarked();
  }

  // --- the description's character counter -------------------------------------------------------------
  var countLine = document.getElementById("description-count");
  function count() {
    var n = chars(value("description"));
    countLine.textContent = n >= 20 ? M.t("js.intake.count_ok", {n: n}) : M.t("js.intake.count", {n: n, left: 20 - n});
    countLine.classList.toggle("ok", n >= 20);
  }
  form.description.addEventListener("input", count);

  form.addEventListener("change", function (event) {
    sync(); idempotencyKey = null; recheck(event.target);
  });
  form.addEventListener("input", function (event) { idempotencyKey = null; recheck(event.target); });

  // --- checks, step by step (the API checks again) ----------------------------------------------------------
  function dateOk(name) {
    var v = value(name);
    return !v || (/^\d{4}-\d{2}-\d{2}$/.test(v) && (!today || v <= today));
  }
  function phoneOk() {
    var digits = (value("phone") || "").replace(/^\+82/, "0").replace(/[\s-]/g, "");
    return /^0\d{8,10}$/.test(digits);
  }
  var RULES = [
    [["category", function () { return !!value("category"); }],
     ["region", function () { return !!value("region"); }]],
    [["mode", function () { return !!value("mode"); }],
     ["method", function () { return !!value("method"); }]],
    [["description", function () { return chars(value("description")) >= 20; }],
     ["left_on", function () { return value("employment_status") !== "left" || dateOk("left_on"); }, "js.err.date_future"],
     ["dismissed_on", function () { return value("employment_status") !== "dismissed" || dateOk("dismissed_on"); },
      "js.err.date_future"]],
    [["name", function () { return !!value("name"); }],
     ["phone", phoneOk, "js.err.phone_format"],
     ["email", function () { return !value("email") || /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value("email")); }]],
    [["consent_privacy", function () { return form.consent_privacy.checked; }],
     ["consent_sensitive", function () { return !sensitiveMarked() || form.consent_sensitive.checked; }]],
    []
  ];
  function check(step) {
    return RULES[step].filter(function (rule) { return !rule[1](); }).map(function (rule) {
      return {field: rule[0], message: M.t(rule[2] || "js.err." + rule[0])};
    });
  }
  // a field marked wrong is checked again as it changes, and its message goes when it is right
  function recheck(target) {
    var name = target && target.name;
    if (!name) { return; }
    RULES.forEach(function (rules) {
      rules.forEach(function (rule) {
        var key = rule[0] === "consent_sensitive" && /^sensitive_/.test(name) ? "consent_sensitive" : name;
        if (rule[0] !== key) { return; }
        var slot = document.getElementById("err-" + key);
        if (slot && !slot.hidden && rule[1]()) {
          slot.hidden = true; slot.textContent = "";
          var f = fieldOf(key);
          if (f.input) { f.input.removeAttribute("aria-invalid"); }
        }
      });
    });
  }

  // --- errors -------------------------------------------------------------------------------------------
  function clearErrors() {
    form.querySelectorAll(".field-error").forEach(function (p) { p.hidden = true; p.textContent = ""; });
    form.querySelectorAll("[aria-invalid]").forEach(function (f) { f.removeAttribute("aria-invalid"); });
    summary.hidden = true;
    summary.querySelector("ul").textContent = "";
    summary.querySelector(".step-errors").textContent = "";
  }

  function fieldOf(name) {
    var top = name.split(".")[0];
    if (top === "sensitive_details") { return {key: "consent_sensitive", input: form.consent_sensitive}; }
    var input = form.querySelector("[name='" + top + "']");
    return {key: top, input: input};
  }

  function showErrors(details) {
    clearErrors();
    var first = null;
    var list = summary.querySelector("ul");
    details.forEach(function (d) {
      var f = fieldOf(d.field);
      var byRule = d.type ? "js.err.type." + d.type : "";
      var text = byRule && M.t(byRule) !== byRule ? M.t(byRule)
               : (M.t("js.err." + f.key) !== "js.err." + f.key ? M.t("js.err." + f.key) : d.message);
      var slot = document.getElementById("err-" + f.key);
      if (slot) { slot.textContent = text; slot.hidden = false; }
      if (f.input) {
        f.input.setAttribute("aria-invalid", "true");
        if (!first) { first = f.input; }
      }
      var link = M.el("a", {href: "#" + (f.input && f.input.id ? f.input.id : "intake"), text: text});
      link.addEventListener("click", function (e) {
        e.preventDefault();
        if (f.input) { show(steps.indexOf(f.input.closest(".step")), false); f.input.focus(); }
      });
      list.appendChild(M.el("li", {}, [link]));
    });
    summary.querySelector(".step-errors").textContent = M.t("js.intake.step_errors", {n: details.length});
    summary.hidden = false;
    if (first) {
      show(steps.indexOf(first.closest(".step")), false);
      first.focus();
    } else {
      summary.focus();
    }
  }

  // --- the review step -------------------------------------------------------------------------------------
  function checkedLabel(name) {
    var input = form.querySelector("input[name=" + name + "]:checked");
    return input ? input.closest("label").textContent.trim() : "";
  }
  function fillReview() {
    var optional = ["employment_status", "monthly_pay", "employer_name", "employer_city", "email"];
    var shown = {
      category: M.label("category", value("category")), region: M.label("region", value("region")),
      mode: M.label("mode", value("mode")), method: M.label("method", value("method")),
      description: value("description"), name: value("name"), email: value("email"),
      // verified or not: whether messages come by SMS (static/phone_check.js)
      phone: value("phone") && window.MaeulPhoneCheck ? value("phone") + " — " + window.MaeulPhoneCheck.note()
                                                      : value("phone"),
      employment_status: checkedLabel("employment_status"),
      monthly_pay: value("monthly_pay") && value("monthly_pay") !== "unknown" ?
        form.monthly_pay.options[form.monthly_pay.selectedIndex].text : "",
      employer_name: value("employer_name"), employer_city: value("employer_city")
    };
    var consents = [["consent_privacy", true], ["consent_optional", true], ["consent_sensitive", sensitiveMarked()]]
      .filter(function (c) { return c[1]; }).map(function (c) {
        return form[c[0]].closest("label").textContent.trim() + ": " + M.t(form[c[0]].checked ? "js.yes" : "js.no");
      });
    shown.consents = consents.join("\n");
    form.querySelectorAll("[data-review]").forEach(function (slot) {
      var key = slot.dataset.review;
      var text = shown[key] || "";
      if (text && optional.indexOf(key) !== -1 && !optionalConsent()) {
        text += " — " + M.t("js.intake.optional_not_sent");
      }
      slot.textContent = text || M.t("js.none");
    });
  }
  form.querySelectorAll("[data-goto]").forEach(function (button) {
    button.addEventListener("click", function () { show(Number(button.dataset.goto) - 1, true); });
  });

  // --- what is sent ---------------------------------------------------------------------------------------------
  function body() {
    var status = value("employment_status");
    var data = {
      category: value("category") || "", region: value("region") || "", mode: value("mode") || "",
      method: value("method") || "", name: value("name"), phone: value("phone"), description: value("description"),
      monthly_pay: "unknown",
      lives_or_works_in_gyeonggi: form.lives_or_works_in_gyeonggi.checked,
      sensitive_details: {health: form.sensitive_health.checked, union: form.sensitive_union.checked},
      consent_privacy: form.consent_privacy.checked,
      consent_sensitive: form.consent_sensitive.checked && sensitiveMarked(),
      preferred_language: M.lang  // the page language is the consultation language
    };
    if (optionalConsent()) {  // the [선택] items only with the [선택] consent
      data.monthly_pay = value("monthly_pay") || "unknown";
      ["email", "employer_name", "employer_city"].forEach(function (name) { if (value(name)) { data[name] = value(name); } });
      if (status) { data.employment_status = status; }
      if (status === "left" && value("left_on")) { data.left_on = value("left_on"); }
      if (status === "dismissed" && value("dismissed_on")) { data.dismissed_on = value("dismissed_on"); }
    }
    return data;
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    if (current !== REVIEW || sending) { return; }  // only the final button on the review step sends
    for (var step = 0; step < REVIEW; step++) {
      var problems = check(step);
      if (problems.length) { showErrors(problems); return; }
    }
    clearErrors();
    sending = true;
    submit.disabled = true;
    statusLine.textContent = M.t("js.intake.sending");
    if (!idempotencyKey) { idempotencyKey = M.newKey(); }
    var result = await M.request("POST", "/api/consultations", body(), {"Idempotency-Key": idempotencyKey});
    sending = false;
    submit.disabled = false;
    if (result.status === 201 && result.data && result.data.id) {
      statusLine.textContent = M.t("js.intake.sent");
      if (window.MaeulDocuments && window.MaeulDocuments.chosen().length) {
        submit.disabled = true;  // the request exists: its documents go now, then its page opens
        var sent = await window.MaeulDocuments.sendChosen(result.data.id);
        if (sent.some(function (d) { return !d || d.status !== "ready"; })) {  // say what failed, then go on by hand
          window.MaeulDocuments.continueTo("/consultations/" + encodeURIComponent(result.data.id));
          return;
        }
      }
      window.location.assign("/consultations/" + encodeURIComponent(result.data.id));
      return;
    }
    statusLine.textContent = "";
    var error = (result.data && result.data.error) || {};
    if (error.details && error.details.length) {
      idempotencyKey = null;
      showErrors(error.details.map(function (d) {
        var key = fieldOf(d.field).key;
        var known = M.t("js.err." + key) !== "js.err." + key;
        return {field: d.field, message: known ? M.t("js.err." + key) : d.message};
      }));
    } else {
      var list = summary.querySelector("ul");
      list.appendChild(M.el("li", {text: result.status === 0 ? M.t("js.offline") : (M.t("js.err.code." + error.code) !== "js.err.code." + error.code ? M.t("js.err.code." + error.code) : (error.message || M.t("js.failed")))}));
      summary.hidden = false;
      summary.focus();
    }
  });

  // --- the name and number the sign-in service gave, filled in to save typing (the person can change them) ---
  async function prefill() {
    var me = await M.request("GET", "/api/me");
    if (!me.ok || !me.data) { return; }
    var filled = false;
    var nameField = form.elements.namedItem("name");  // (form.name is the form's own name)
    var phoneField = form.elements.namedItem("phone");
    if (me.data.name && !nameField.value) { nameField.value = me.data.name; filled = true; }
    if (me.data.phone && !phoneField.value) {
      var local = String(me.data.phone).replace(/^\+82/, "0").replace(/\D/g, "");
      phoneField.value = local.length === 11 ? local.replace(/^(\d{3})(\d{4})(\d{4})$/, "$1-$2-$3") : local;
      filled = true;
    }
    if (filled) { document.getElementById("prefilled").textContent = M.t("js.intake.prefilled"); }
  }

  sync();
  count();
  show(0, false);
  prefill();
});
