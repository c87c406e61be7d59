// Maeul: verifying the mobile number of the enclosing form (its field named "phone") with a one-time
// code by SMS -- the intake form's contact step, and the correction form on the status page.
// Resident SMS and 알림톡 go to verified numbers only, so the step says which state the number is in:
// already verified (asked of the API, no new code), a code sent (until when, how many tries), a wrong
// code (tries left), verified; a landline gets no code (SMS cannot reach it: the page is the channel).
// A request is taken (or corrected) without a verified number. Nothing here sends the form.
"use strict";
(function () {
  var M = window.Maeul;
  var box = document.getElementById("phone-check");
  var form = box && box.closest("form");
  if (!box || !form || !M) { return; }
  var $ = function (id) { return document.getElementById(id); };
  var phoneField = form.elements.namedItem("phone");
  var ask = $("phone-check-ask"), enter = $("phone-check-enter"), sendButton = $("phone-check-send");
  var code = $("phone-check-code"), status = $("phone-check-status"), landline = $("phone-check-landline");
  var verified = {};   // digits -> true, for the numbers verified on this page or before it
  var pending = null;  // the digits a code was sent to: its field stays while the number does
  var asked = 0;       // the latest state question: older answers are dropped
  var busy = false;

  function digits() {
    return String(phoneField.value || "").trim().replace(/^\+82/, "0").replace(/[^0-9]/g, "");
  }
  function complete(d) { return /^0\d{8,10}$/.test(d); }
  function mobile(d) { return /^01[016789]\d{7,8}$/.test(d); }
  function say(text, focus) {
    status.textContent = text;
    if (focus) { status.focus(); }
  }
  function problem(r) {
    if (r.status === 0) { return M.t("js.offline"); }
    return M.problem(r);
  }

  // what the step shows for the number in the field now
  function render() {
    var d = digits();
    if (pending !== d) {  // another number: the code sent to the earlier one does not apply
      pending = null;
      enter.hidden = true;
      code.value = "";
    }
    landline.hidden = !(complete(d) && !mobile(d));
    ask.hidden = !!verified[d] || (complete(d) && !mobile(d));
    if (verified[d]) { say(M.t("js.phone_check.already")); } else if (pending === null) { say(""); }
    box.classList.toggle("verified", !!verified[d]);
  }

  // a number verified before (another request, "my page") needs no new code: ask the API
  async function lookUp() {
    var d = digits();
    if (!mobile(d) || verified[d] || pending === d) { return; }
    var mine = ++asked;
    var r = await M.request("POST", "/api/me/phone-verification/status", {phone: phoneField.value});
    if (mine !== asked || digits() !== d) { return; }
    if (r.ok && r.data && r.data.verified) { verified[d] = true; render(); }
  }
  var timer = null;
  function actNow() { ++asked; clearTimeout(timer); }  // the person acted: a look-up still on its way is dropped
  phoneField.addEventListener("input", function () {
    render();
    clearTimeout(timer);
    timer = setTimeout(lookUp, 400);
  });
  // the step coming into view (the number may have been filled in from the sign-in, or by the
  // correction form from the request): its state, asked again
  var step = box.closest(".step") || form;
  if (step && window.MutationObserver) {
    new MutationObserver(function () { if (!step.hidden) { render(); lookUp(); } })
      .observe(step, {attributes: true, attributeFilter: ["hidden"]});
  }

  sendButton.addEventListener("click", async function () {
    var d = digits();
    if (!complete(d)) { say(M.t("js.err.phone_format"), true); phoneField.focus(); return; }
    if (!mobile(d)) { render(); landline.setAttribute("tabindex", "-1"); landline.focus(); return; }
    if (busy) { return; }
    actNow();
    busy = true;
    sendButton.disabled = true;
    say(M.t("js.phone_check.sending"));
    var r = await M.request("POST", "/api/me/phone-verification", {phone: phoneField.value});
    busy = false;
    sendButton.disabled = false;
    if (!r.ok) { say(problem(r), true); return; }
    if (digits() !== d) { return; }  // the number changed meanwhile: that code is not for this one
    pending = d;
    enter.hidden = false;
    code.value = "";
    say(M.t("js.phone_check.sent", {minutes: r.data.minutes, when: M.when(r.data.expires_at, false),
                                    attempts: r.data.attempts}));
    code.focus();
  });

  async function confirm() {
    var d = digits();
    var typed = code.value.replace(/\s/g, "");
    if (!/^\d{6}$/.test(typed)) { say(M.t("js.phone_check.code_format")); code.focus(); return; }
    if (busy) { return; }
    actNow();
    busy = true;
    var r = await M.request("POST", "/api/me/phone-verification/confirm", {phone: phoneField.value, code: typed});
    busy = false;
    if (r.ok) {
      verified[d] = true;
      pending = null;
      render();
      say(M.t("js.phone_check.verified"), true);
      return;
    }
    var error = (r.data && r.data.error) || {};
    if (error.code === "invalid_phone_code" && error.details && error.details.attempts_left > 0) {
      say(M.t("js.phone_check.wrong", {n: error.details.attempts_left}));
      code.select();
      code.focus();
      return;
    }
    // used up or expired: a new code is needed
    pending = null;
    enter.hidden = true;
    say(error.code === "invalid_phone_code" ? M.t("js.phone_check.used_up") : problem(r));
    sendButton.focus();
  }
  $("phone-check-confirm").addEventListener("click", confirm);
  code.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); confirm(); }  // Enter confirms the code, never sends the form
  });

  // the review step says whether messages will come by SMS
  window.MaeulPhoneCheck = {
    note: function () {
      return M.t(verified[digits()] ? "js.phone_check.review.verified" : "js.phone_check.review.unverified");
    }
  };
  render();
})();
