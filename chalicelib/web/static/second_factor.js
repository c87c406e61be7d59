// Maeul: the staff second factor: set up an authenticator app (first time), enter its code, continue.
"use strict";
window.Maeul.page("sf-form", function (M, form, $) {
  var next = form.getAttribute("data-next") || "/";
  (async function () {
    var r = await M.request("GET", "/auth/second-factor");
    if (!r.ok) { $("sf-status").textContent = M.t("js.failed"); return; }
    if (r.data.verified && form.getAttribute("data-again") !== "yes") { window.location.assign(next); return; }
    if (!r.data.enrolled) {
      $("sf-uri").setAttribute("href", r.data.otpauth_uri);
      $("sf-secret").textContent = r.data.secret;
      $("sf-enrol").hidden = false;
    }
    $("sf-code").focus();
  })();
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    var code = $("sf-code").value.replace(/\s+/g, "");
    if (!/^[0-9]{6}$/.test(code)) { $("sf-status").textContent = M.t("js.sf.six_digits"); return; }
    var r = await M.request("POST", "/auth/second-factor", {code: code});
    if (r.ok) { window.location.assign(next); return; }
    $("sf-code").value = "";
    $("sf-status").textContent = M.problem(r);
  });
});
