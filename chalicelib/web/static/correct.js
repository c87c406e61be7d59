// Maeul: what the resident submitted, and correcting it while the request still waits (PATCH).
// Whether the request's number is verified is asked of the API: SMS and 알림톡 go to a verified number
// only, so a new number is verified in the form (static/phone_check.js) or gets nothing.
"use strict";
(function () {
  var M = window.Maeul;
  var box = document.getElementById("consultation");
  var section = document.getElementById("details");
  if (!box || !section || !M) { return; }
  var url = "/api/consultations/" + encodeURIComponent(box.dataset.id);
  var FIELDS = ["name", "phone", "email", "employer_name", "employer_city", "description"];
  var $ = function (name) { return document.getElementById(name); };
  var current = null;  // the details on show

  // +821023456789 -> 010-2345-6789 (how people write their number)
  function localPhone(e164) {
    var m = /^\+82(\d{1,2})(\d{3,4})(\d{4})$/.exec(e164 || "");
    return m ? "0" + m[1] + "-" + m[2] + "-" + m[3] : (e164 || "");
  }

  // the request's number verified or not (true/false; null when the API could not say)
  var asked = 0;
  async function phoneState(phone) {
    var mine = ++asked;
    var line = $("d-phone-state");
    var r = await M.request("POST", "/api/me/phone-verification/status", {phone: phone});
    if (mine !== asked) { return null; }
    var verified = r.ok ? !!(r.data && r.data.verified) : r.status === 400 ? false : null;  // 400: not a number to verify
    line.textContent = verified === null ? "—"
      : M.t(verified ? "js.phone_check_correct.verified" : "js.phone_check_correct.unverified");
    line.classList.toggle("unverified", verified === false);
    return verified;
  }

  function show(personal, status) {
    current = personal;
    FIELDS.forEach(function (f) {
      var value = f === "phone" ? localPhone(personal.phone) : personal[f];
      $("d-" + f).textContent = value || "—";
    });
    section.hidden = false;
    var editable = status === "submitted";
    $("details-editable").hidden = !editable;
    if (!editable) { closeForm(false); }
    return phoneState(personal.phone);
  }

  function openForm() {
    FIELDS.forEach(function (f) { $("c-" + f).value = f === "phone" ? localPhone(current.phone) : (current[f] || ""); });
    $("details-error").hidden = true;
    FIELDS.forEach(function (f) { $("c-" + f).removeAttribute("aria-invalid"); });
    $("details-form").hidden = false;
    $("details-edit").setAttribute("aria-expanded", "true");
    $("c-name").focus();
  }
  function closeForm(refocus) {
    $("details-form").hidden = true;
    $("details-edit").setAttribute("aria-expanded", "false");
    if (refocus) { $("details-edit").focus(); }
  }
  function result(text) { $("details-result").textContent = text; $("details-result").focus(); }

  $("details-edit").addEventListener("click", openForm);
  $("details-cancel").addEventListener("click", function () { closeForm(true); });
  // Enter in a one-line field does not send the form (Android's "이동" moves on): only the button does
  $("details-form").addEventListener("keydown", function (e) {
    if (e.key === "Enter" && e.target.tagName === "INPUT") { e.preventDefault(); }
  });
  $("details-form").addEventListener("submit", async function (e) {
    e.preventDefault();
    var body = {};
    FIELDS.forEach(function (f) {
      var value = $("c-" + f).value.trim();
      var before = f === "phone" ? localPhone(current.phone) : (current[f] || "");
      if (value !== before) { body[f] = value; }
    });
    if (!Object.keys(body).length) { closeForm(true); return; }
    $("details-save").disabled = true;
    var r = await M.request("PATCH", url, body);
    $("details-save").disabled = false;
    if (r.ok) {
      var state = show(r.data.personal, r.data.status);
      closeForm(false);
      // a new number nobody verified: said plainly, since nothing will reach it by SMS
      var unverified = "phone" in body && (await state) === false;
      result(M.t(unverified ? "js.phone_check_correct.saved_unverified" : "js.details.saved"));
      return;
    }
    var code = r.data && r.data.error ? r.data.error.code : "";
    if (code === "not_correctable" || code === "changed_meanwhile") {
      closeForm(false);
      if (code === "not_correctable") { $("details-editable").hidden = true; }
      result(M.t(code === "not_correctable" ? "js.details.not_correctable" : "js.details.changed"));
      return;
    }
    // a field the server refused: its message (in the person's language) next to the button, focus on it
    var error = $("details-error");
    var details = (r.data && r.data.error && r.data.error.details) || [];
    var first = details.length ? details[0] : null;
    // the intake form's own words for a field (e.g. how a phone number is written), else the server's
    var known = function (key) { return M.t(key) !== key; };
    var byType = first && first.type ? "js.err.type." + first.type : "";
    error.textContent = first && byType && known(byType) ? M.t(byType)
      : first && known("js.err." + first.field) ? M.t("js.err." + first.field)
      : M.problem(r);
    error.hidden = false;
    var field = first && first.field ? $("c-" + first.field) : null;
    if (field) { field.setAttribute("aria-invalid", "true"); field.setAttribute("aria-describedby", ((field.getAttribute("aria-describedby") || "").replace("details-error", "") + " details-error").trim()); field.focus(); }
  });

  (async function start() {
    var r = await M.request("GET", url);
    if (r.ok && r.data.personal) { show(r.data.personal, r.data.status); }
  })();
})();
