// Maeul: a volunteer enters the invite code the programme's staff gave them (POST /api/me/attorney-link).
"use strict";
(function () {
  var M = window.Maeul;
  var form = document.getElementById("join");
  if (!form) { return; }
  var input = document.getElementById("invite-code");
  var error = document.getElementById("invite-error");
  var status = document.getElementById("join-status");
  var busy = false;

  function fail(text) {
    error.textContent = text;
    input.setAttribute("aria-invalid", "true");
    input.focus();
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    if (busy) { return; }
    error.textContent = "";
    input.removeAttribute("aria-invalid");
    var code = input.value.trim();
    if (!code) { fail(M.t("js.join.empty")); return; }
    busy = true;
    var res = await M.request("POST", "/api/me/attorney-link", {code: code});
    busy = false;
    if (res.ok) {
      status.textContent = M.t("js.join.done");
      status.focus();
      setTimeout(function () { window.location.assign("/attorney"); }, 800);
      return;
    }
    var why = res.data && res.data.error ? res.data.error.code : "";
    fail(M.t(why === "invalid_invite" || why === "invalid_input" ? "js.join.invalid" :
             why === "too_many_attempts" ? "js.join.throttled" : "js.join.failed"));
  });
}());
