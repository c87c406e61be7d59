// Maeul: my login history, signing out, leaving the service (after a confirmation).
"use strict";
window.Maeul.page("logins", function (M, body, $) {
  (async function () {
    var r = await M.request("GET", "/api/me/logins?limit=50");
    if (!r.ok) { $("me-status").textContent = M.t("js.failed"); return; }
    r.data.items.forEach(function (e) {
      body.appendChild(M.el("tr", {}, [
        M.el("td", {text: M.when(e.at)}), M.el("td", {text: e.provider}),
        M.el("td", {text: e.result === "success" ? M.t("js.login.success") : M.t("js.login.failure")}),
        M.el("td", {text: e.ip})]));
    });
  })();
  $("my-language").addEventListener("submit", async function (e) {
    e.preventDefault();
    var choice = $("my-language-choice").value;
    var r = await M.request("PUT", "/api/me/language", {language: choice});
    if (r.ok) { window.location.assign("/me"); return; }  // the page again, in the chosen language
    $("my-language-status").textContent = M.problem(r);
  });
  $("signout").addEventListener("click", async function () {
    await M.request("POST", "/auth/logout");
    window.location.assign("/");
  });
  $("leave").addEventListener("click", function () {
    $("leave-confirm").hidden = false;
    $("leave-no").focus();
  });
  $("leave-no").addEventListener("click", function () { $("leave-confirm").hidden = true; $("leave").focus(); });
  $("leave-yes").addEventListener("click", async function () {
    var r = await M.request("DELETE", "/api/me");
    if (r.ok && r.data.provider_disconnected) {
      $("me-status").textContent = M.t("js.left");
      setTimeout(function () { window.location.assign("/"); }, 1500);
    } else if (r.ok) {  // stays on the page: what is left to do in the provider's own settings
      $("me-status").textContent = M.t("js.left") + " " + M.t("js.left.disconnect_yourself");
    } else {
      $("me-status").textContent = M.problem(r);
    }
  });
});
