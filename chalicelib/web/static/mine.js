// Maeul: my consultations, newest first.
"use strict";
window.Maeul.page("mine", function (M, list) {
  var status = document.getElementById("mine-status");
  async function bookedTime(id, item) {
    var r = await M.request("GET", "/api/consultations/" + encodeURIComponent(id) + "/booking");
    if (!r.ok) { return; }
    item.insertBefore(M.el("p", {class: "when", text: M.t("js.mine.booked", {when: M.relativeWhen(r.data.start)})}), item.children[1]);
  }
  (async function () {
    var r = await M.request("GET", "/api/consultations?limit=50");
    if (!r.ok) { status.textContent = M.t("js.failed"); return; }
    status.textContent = r.data.items.length ? "" : M.t("js.mine.none");
    r.data.items.forEach(function (c) {
      var link = M.el("a", {href: "/consultations/" + encodeURIComponent(c.id),
                            text: M.label("category", c.category) + " · " + M.label("region", c.region)});
      var item = M.el("li", {class: "card"}, [
        M.el("p", {}, [link]),
        M.el("p", {text: M.t("js.mine.line", {status: M.label("status", c.status), mode: M.label("mode", c.mode),
                                               method: M.label("method", c.method), when: M.when(c.created_at)})})
      ]);
      list.appendChild(item);
      // a booked one says when the consultation is, not only when it was asked for
      if (c.status === "booked") { bookedTime(c.id, item); }
    });
  })();
});
