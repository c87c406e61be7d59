// Maeul operations console, the queue: consultations that need the staff (waiting, real time failed,
// booked time passed without an outcome, unanswered messages), filtered by flag, and assigning one
// to a named attorney (asked first, with a reason). Codes and times only: nothing personal is shown.
"use strict";
window.Maeul.page("queue", function (M, list, $) {
  var flag = "";
  var chosen = null;
  var attorneys = [];
  var REASSIGNABLE = ["submitted", "offered", "matched"];

  function what(c) { return M.label("category", c.category) + " · " + M.label("region", c.region); }

  function paintFilters(counts) {
    $("queue-filters").querySelectorAll("button").forEach(function (b) {
      var code = b.dataset.flag;
      var label = M.t("js.op.flag." + (code || "all"));
      b.textContent = code && counts ? M.t("js.op.filter", {label: label, n: counts[code]}) : label;
      b.setAttribute("aria-pressed", String(code === flag));
    });
  }

  function item(c) {
    var facts = [M.t("js.op.received", {when: M.when(c.created_at)}), M.label("mode", c.mode) + " · " +
                 M.label("method", c.method) + " · " + M.label("status", c.status),
                 c.attorney_name ? M.t("js.op.attorney", {name: c.attorney_name}) : M.t("js.op.no_attorney")];
    if (c.booking_start) { facts.push(M.t("js.op.booked", {when: M.when(c.booking_start)})); }
    if (c.unanswered_since) { facts.push(M.t("js.op.unanswered", {when: M.when(c.unanswered_since)})); }
    var children = [
      M.el("p", {}, [M.el("strong", {text: what(c)})]),
      M.el("ul", {class: "flags"}, c.flags.map(function (f) { return M.el("li", {class: "flag", text: M.t("js.op.flag." + f)}); })),
      M.el("p", {text: facts.join(" · ")})];
    if (REASSIGNABLE.indexOf(c.status) >= 0) {
      var button = M.el("button", {type: "button", class: "btn secondary", "data-consultation": c.id, text: M.t("js.op.reassign"),
                                   "aria-label": M.t("js.op.reassign.label", {what: what(c)})});
      button.addEventListener("click", function () { askReassign(c, button); });
      children.push(M.el("p", {}, [button]));
    }
    return M.el("li", {class: "card queue-item", "data-consultation": c.id}, children);
  }

  var turn = M.latest();
  async function load() {
    var mine = turn();
    var r = await M.request("GET", "/api/admin/consultations" + (flag ? "?flag=" + encodeURIComponent(flag) : ""));
    if (!mine()) { return; }  // another filter was chosen meanwhile
    list.textContent = "";
    if (!r.ok) { $("queue-status").textContent = M.problem(r); return; }
    paintFilters(r.data.counts);
    $("queue-status").textContent = r.data.items.length ? M.t("js.op.count", {n: r.data.items.length}) : M.t("js.op.none");
    r.data.items.forEach(function (c) { list.appendChild(item(c)); });
  }

  $("queue-filters").querySelectorAll("button").forEach(function (b) {
    b.addEventListener("click", function () { flag = b.dataset.flag; $("reassign").hidden = true; load(); });
  });

  async function loadAttorneys() {
    var r = await M.request("GET", "/api/admin/attorneys");
    attorneys = r.ok ? r.data.items.filter(function (a) { return a.active; }) : [];
  }

  function askReassign(c, button) {
    chosen = {consultation: c, button: button};
    var select = $("reassign-to");
    select.textContent = "";
    var fits = function (a) { return a.categories.indexOf(c.category) >= 0 && a.regions.indexOf(c.region) >= 0; };
    attorneys.slice().sort(function (a, b) {
      return (fits(b) - fits(a)) || a.load_this_year - b.load_this_year || a.display_name.localeCompare(b.display_name);
    }).forEach(function (a) {
      if (a.id === c.attorney_id) { return; }
      select.appendChild(M.el("option", {value: a.id, text: a.display_name + " (" + a.id + ", " + a.load_this_year + "/" +
                                                           a.annual_cap + ")" + (fits(a) ? " · " + M.t("js.op.reassign.fits") : "")}));
    });
    $("reassign-title").textContent = M.t("js.op.reassign.title", {what: what(c)});
    $("reassign-to-label").textContent = M.t("js.op.reassign.to");
    $("reassign-reason-label").textContent = M.t("js.op.reassign.reason");
    $("reassign-yes").textContent = M.t("js.op.reassign.yes");
    $("reassign-no").textContent = M.t("js.op.reassign.no");
    $("reassign-error").textContent = "";
    $("reassign-reason").value = "";
    $("reassign-reason").removeAttribute("aria-invalid");
    $("reassign").hidden = false;
    $("reassign-title").focus();
  }
  $("reassign-no").addEventListener("click", function () {
    $("reassign").hidden = true;
    if (chosen && document.body.contains(chosen.button)) { chosen.button.focus(); }
  });
  $("reassign-yes").addEventListener("click", async function () {
    if (!chosen) { return; }
    var reason = $("reassign-reason").value.trim();
    if (reason.length < 3) {
      $("reassign-error").textContent = M.t("js.op.reassign.reason.short");
      $("reassign-reason").setAttribute("aria-invalid", "true");
      $("reassign-reason").focus();
      return;
    }
    var to = $("reassign-to");
    var name = to.selectedIndex >= 0 ? to.options[to.selectedIndex].text.split(" (")[0] : "";
    var r = await M.request("POST", "/api/admin/consultations/" + encodeURIComponent(chosen.consultation.id) + "/reassign",
                            {attorney_id: to.value, reason: reason});
    if (!r.ok) { $("reassign-error").textContent = M.problem(r); return; }
    $("reassign").hidden = true;
    await load();
    $("queue-status").textContent = M.t("js.op.reassign.done", {name: name});
    $("queue-title").focus();
  });

  paintFilters(null);
  loadAttorneys();
  load();
});

// Notices on every page: the list (with take-down) and the form. Times are Korea time.
window.Maeul.page("announcements", function (M, list, $) {

  async function load() {
    var r = await M.request("GET", "/api/admin/announcements?lang=" + (M.lang === "en" ? "en" : "ko"));
    list.textContent = "";
    if (!r.ok) { $("ann-status").textContent = M.problem(r); return; }
    if (!r.data.items.length) { list.appendChild(M.el("li", {text: M.t("js.op.ann.none")})); }
    r.data.items.forEach(function (a) {
      var remove = M.el("button", {type: "button", class: "btn secondary", text: M.t("js.op.ann.remove"),
                                   "aria-label": M.t("js.op.ann.remove") + " " + a.message});
      remove.addEventListener("click", async function () {
        var res = await M.request("DELETE", "/api/admin/announcements/" + encodeURIComponent(a.id));
        $("ann-status").textContent = res.ok ? M.t("js.op.ann.removed") : M.problem(res);
        load();
        $("ann-title").focus();
      });
      list.appendChild(M.el("li", {class: "card"}, [
        M.el("p", {}, [M.el("strong", {text: a.message})]),
        M.el("p", {text: M.t("js.op.ann.period", {from: M.when(a.starts_at), to: M.when(a.ends_at)}) +
                         (a.active ? " · " + M.t("js.op.ann.active") : "")}),
        M.el("p", {}, [remove])]));
    });
  }

  // a datetime-local value is Korea time: "2027-03-02T09:00" -> "2027-03-02T09:00:00+09:00"
  function korea(value) { return value ? value + ":00+09:00" : ""; }

  $("ann-form").addEventListener("submit", async function (e) {
    e.preventDefault();
    $("ann-error").textContent = "";
    var body = {kind: $("ann-kind").value, message_ko: $("ann-ko").value.trim(),
                starts_at: korea($("ann-start").value), ends_at: korea($("ann-end").value)};
    var en = $("ann-en").value.trim();
    if (en) { body.message_en = en; }
    var r = await M.request("POST", "/api/admin/announcements", body);
    if (!r.ok) {
      var code = r.data && r.data.error && r.data.error.code;
      $("ann-error").textContent = code === "invalid_period" ? M.t("js.op.ann.err.period")
        : (code === "invalid_input" ? M.t("js.op.ann.err.input") : M.problem(r));
      $("ann-ko").focus();
      return;
    }
    $("ann-form").reset();
    $("ann-status").textContent = M.t("js.op.ann.saved");
    load();
  });
  load();
});
