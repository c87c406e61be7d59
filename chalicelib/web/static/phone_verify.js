// Maeul: verifying my contact phone with a one-time code by SMS. A number I verified before is
// recognised through the status route as it is typed (no new code), like the intake form's step.
"use strict";
window.Maeul.page("phone-send", function (M, send, $) {
  var status = $("phone-status");
  var field = $("phone-number"), button = $("phone-send-button");
  var asked = 0, timer = null, known = false;
  function digits() { return String(field.value || "").trim().replace(/^\+82/, "0").replace(/[^0-9]/g, ""); }
  async function lookUp() {
    var d = digits();
    if (!/^01[016789]\d{7,8}$/.test(d)) { return; }
    var mine = ++asked;
    var r = await M.request("POST", "/api/me/phone-verification/status", {phone: field.value});
    if (mine !== asked || digits() !== d || !(r.ok && r.data && r.data.verified)) { return; }
    known = true;
    button.hidden = true;
    $("phone-confirm").hidden = true;
    status.textContent = M.t("js.phone_check.already");
  }
  field.addEventListener("input", function () {
    ++asked;  // an answer about the number before is dropped
    if (known) { known = false; button.hidden = false; status.textContent = ""; }
    clearTimeout(timer);
    timer = setTimeout(lookUp, 400);
  });
  function actNow() { ++asked; clearTimeout(timer); }  // the person acted: a look-up still on its way is dropped
  send.addEventListener("submit", async function (e) {
    e.preventDefault();
    if (known) { return; }  // verified already: no new code
    actNow();
    var r = await M.request("POST", "/api/me/phone-verification", {phone: $("phone-number").value});
    if (!r.ok) { status.textContent = M.problem(r); return; }
    $("phone-confirm").hidden = false;
    status.textContent = M.t("js.phone.sent", {when: M.when(r.data.expires_at)});
    $("phone-code").focus();
  });
  $("phone-confirm").addEventListener("submit", async function (e) {
    e.preventDefault();
    actNow();
    var r = await M.request("POST", "/api/me/phone-verification/confirm",
                            {phone: $("phone-number").value, code: $("phone-code").value});
    if (!r.ok) { status.textContent = M.problem(r); $("phone-code").select(); return; }
    $("phone-confirm").hidden = true;
    known = true;
    button.hidden = true;
    status.textContent = M.t("js.phone.verified");
  });
});
