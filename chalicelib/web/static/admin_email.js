// Maeul operations console: attorneys whose e-mail is failing, and clearing one after checking the address.
"use strict";
window.Maeul.page("email-failures", function (M, box) {
  var text = document.getElementById("email-failures-text");
  var list = document.getElementById("email-failures-list");

  async function load() {
    var r = await M.request("GET", "/api/admin/email-failures");
    if (!r.ok || !r.data || !r.data.count) { box.hidden = true; return; }
    text.textContent = r.data.message;
    list.textContent = "";
    r.data.items.forEach(function (item) {
      var li = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = M.t("js.email.clear", {id: item.attorney_id});
      button.addEventListener("click", async function () {
        button.disabled = true;
        await M.request("POST", "/api/admin/attorneys/" + encodeURIComponent(item.attorney_id) + "/email-clear");
        load();
      });
      li.appendChild(button);
      list.appendChild(li);
    });
    box.hidden = false;
  }
  load();
});
