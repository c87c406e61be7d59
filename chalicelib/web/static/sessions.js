// Maeul: where I am signed in; ending a session on another device.
"use strict";
window.Maeul.page("sessions", function (M, list) {
  var status = document.getElementById("sessions-status");
  async function load() {
    var r = await M.request("GET", "/api/me/sessions");
    if (!r.ok) { status.textContent = M.t("js.failed"); return; }
    list.textContent = "";
    r.data.items.forEach(function (s) {
      var text = s.device + (s.ip_hint ? " · " + s.ip_hint : "") + " · " + M.t("js.sessions.since", {when: M.when(s.signed_in_at)});
      var item = M.el("li", {}, [M.el("span", {text: text})]);
      if (s.current) {
        item.appendChild(M.el("strong", {text: " " + M.t("js.sessions.current")}));
      } else {
        var end = M.el("button", {type: "button", class: "btn secondary", text: M.t("js.sessions.end"),
                                  "aria-label": M.t("js.sessions.end") + " " + s.device});
        end.addEventListener("click", async function () {
          var res = await M.request("DELETE", "/api/me/sessions/" + encodeURIComponent(s.id));
          await load();
          status.textContent = res.ok ? M.t("js.sessions.ended") : M.t("js.failed");
        });
        item.appendChild(end);
      }
      list.appendChild(item);
    });
  }
  load();
});
