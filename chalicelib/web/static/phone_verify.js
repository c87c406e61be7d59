// Maeul: verifying my contact phone with a one-time code by SMS.
"use strict";
(function () {
  var M = window.Maeul;
  var send = document.getElementById("phone-send");
  if (!send || !M) { return; }
  var $ = function (name) { return document.getElementById(name); };
  var status = $("phone-status");
  function problem(r) { return (r.data && r.data.error && r.data.error.message) || M.t("js.failed"); }
  send.addEventListener("submit", async function (e) {
    e.preventDefault();
    var r = await M.request("POST", "/api/me/phone-verification", {phone: $("phone-number").value});
    if (!r.ok) { status.textContent = problem(r); return; }
    $("phone-confirm").hidden = false;
    status.textContent = M.t("js.phone.sent", {when: M.when(r.data.expires_at)});
    $("phone-code").focus();
  });
  $("phone-confirm").addEventListener("submit", async function (e) {
    e.preventDefault();
    var r = await M.request("POST", "/api/me/phone-verification/confirm",
                            {phone: $("phone-number").value, code: $("phone-code").value});
    if (!r.ok) { status.textContent = problem(r); $("phone-code").select(); return; }
    $("phone-confirm").hidden = true;
    status.textContent = M.t("js.phone.verified");
  });
})();
