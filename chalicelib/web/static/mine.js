// Maeul: my consultations, newest first.
"use strict";
(function () {
  var M = window.Maeul;
  var list = document.getElementById("mine");
  if (!list || !M) { return; }
  var status = document.getElementById("mine-status");
  (async function () {
    var r = await M.request("GET", "/api/consultations?limit=50");
    if (!r.ok) { status.textContent = M.t("js.failed"); return; }
    status.textContent = r.data.items.length ? "" : M.t("js.mine.none");
    r.data.items.forEach(function (c) {
      var link = M.el("a", {href: "/consultations/" + encodeURIComponent(c.id),
                            text: M.label("category", c.category) + " · " + M.label("region", c.region)});
      list.appendChild(M.el("li", {class: "card"}, [
        M.el("p", {}, [link]),
        M.el("p", {text: M.t("js.mine.line", {status: M.label("status", c.status), mode: M.label("mode", c.mode),
                                               method: M.label("method", c.method), when: M.when(c.created_at)})})
      ]));
    });
  })();
})();
