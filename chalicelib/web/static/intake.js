// Maeul intake form: one step at a time, per-field errors from the API next to each field.
"use strict";
(function () {
  var M = window.Maeul;
  var form = document.getElementById("intake");
  if (!form || !M) { return; }
  var steps = Array.prototype.slice.call(form.querySelectorAll(".step"));
  var back = document.getElementById("step-back");
  var next = document.getElementById("step-next");
  var submit = document.getElementById("submit");
  var counter = document.getElementById("step-count");
  var summary = document.getElementById("error-summary");
  var statusLine = document.getElementById("form-status");
  var current = 0;
  var idempotencyKey = null;   // one per submission attempt of the same answers; memory only
  var attempted = false;       // after a first try, the send button stays on every step

  function show(index, focus) {
    current = Math.max(0, Math.min(index, steps.length - 1));
    steps.forEach(function (s, i) { s.hidden = i !== current; });
    back.hidden = current === 0;
    next.hidden = current === steps.length - 1;
    submit.hidden = current !== steps.length - 1 && !attempted;
    counter.textContent = M.t("js.intake.step", {n: current + 1, total: steps.length});
    if (focus) {
      var heading = steps[current].querySelector("h2");
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    }
  }
  back.addEventListener("click", function () { show(current - 1, true); });
  next.addEventListener("click", function () { show(current + 1, true); });

  // Dates only when they apply; the sensitive-data consent only when something sensitive is marked.
  function sync() {
    var status = (form.querySelector("input[name=employment_status]:checked") || {}).value;
    form.querySelectorAll("[data-show-when]").forEach(function (box) {
      box.hidden = box.dataset.showWhen !== status;
    });
    var sensitive = form.sensitive_health.checked || form.sensitive_union.checked;
    document.getElementById("sensitive-consent").hidden = !sensitive;
  }
  form.addEventListener("change", function () { sync(); idempotencyKey = null; });
  form.addEventListener("input", function () { idempotencyKey = null; });
  sync();
  show(0, false);

  function value(name) {
    var field = form.elements[name];
    if (!field) { return undefined; }
    if (field instanceof RadioNodeList) { return field.value || undefined; }
    return field.value.trim();
  }

  function body() {
    var status = value("employment_status");
    var data = {
      category: value("category") || "", region: value("region") || "", mode: value("mode") || "",
      method: value("method") || "", name: value("name"), phone: value("phone"), description: value("description"),
      monthly_pay: value("monthly_pay") || "unknown",
      lives_or_works_in_gyeonggi: form.lives_or_works_in_gyeonggi.checked,
      sensitive_details: {health: form.sensitive_health.checked, union: form.sensitive_union.checked},
      consent_privacy: form.consent_privacy.checked,
      consent_sensitive: form.consent_sensitive.checked && !document.getElementById("sensitive-consent").hidden,
      preferred_language: M.lang === "en" ? "en" : "ko"
    };
    ["email", "employer_name", "employer_city"].forEach(function (name) { if (value(name)) { data[name] = value(name); } });
    if (status) { data.employment_status = status; }
    if (status === "left" && value("left_on")) { data.left_on = value("left_on"); }
    if (status === "dismissed" && value("dismissed_on")) { data.dismissed_on = value("dismissed_on"); }
    return data;
  }

  function clearErrors() {
    form.querySelectorAll(".field-error").forEach(function (p) { p.hidden = true; p.textContent = ""; });
    form.querySelectorAll("[aria-invalid]").forEach(function (f) { f.removeAttribute("aria-invalid"); });
    summary.hidden = true;
    summary.querySelector("ul").textContent = "";
  }

  function fieldOf(name) {
    var top = name.split(".")[0];
    if (top === "sensitive_details") { return {key: "consent_sensitive", input: form.sensitive_health}; }
    var input = form.querySelector("[name='" + top + "']");
    return {key: top, input: input};
  }

  function showErrors(details) {
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
    summary.hidden = false;
    if (first) {
      show(steps.indexOf(first.closest(".step")), false);
      first.focus();
    } else {
      summary.focus();
    }
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    attempted = true;
    clearErrors();
    submit.disabled = true;
    statusLine.textContent = M.t("js.intake.sending");
    if (!idempotencyKey) { idempotencyKey = M.newKey(); }
    var result = await M.request("POST", "/api/consultations", body(), {"Idempotency-Key": idempotencyKey});
    submit.disabled = false;
    if (result.status === 201 && result.data && result.data.id) {
      statusLine.textContent = M.t("js.intake.sent");
      window.location.assign("/consultations/" + encodeURIComponent(result.data.id));
      return;
    }
    statusLine.textContent = "";
    var error = (result.data && result.data.error) || {};
    if (error.details && error.details.length) {
      idempotencyKey = null;
      showErrors(error.details);
    } else {
      var list = summary.querySelector("ul");
      list.appendChild(M.el("li", {text: result.status === 0 ? M.t("js.offline") : (M.t("js.err.code." + error.code) !== "js.err.code." + error.code ? M.t("js.err.code." + error.code) : (error.message || M.t("js.failed")))}));
      summary.hidden = false;
      summary.focus();
    }
  });
})();
