// Maeul operations console: roster (add, deactivate, reactivate, invite, reset a second factor), monthly
// statistics, access log.
"use strict";
window.Maeul.page("roster", function (M, roster, $) {
  var rosterItems = [];
  var rosterTurn = M.latest(), statsTurn = M.latest(), logTurn = M.latest();
  async function loadRoster() {
    var mine = rosterTurn();
    var r = await M.request("GET", "/api/admin/attorneys");
    if (!mine()) { return; }
    if (!r.ok) { $("roster-status").textContent = M.problem(r); return; }
    rosterItems = r.data.items;
    renderRoster();
  }

  // search, filter and sort over the whole roster (one request for ~120 attorneys), on this page
  function shownRoster() {
    var words = $("r-search").value.trim().toLowerCase();
    var category = $("r-category").value, region = $("r-region").value, state = $("r-state").value;
    var sort = $("r-sort").value;
    var shown = rosterItems.filter(function (a) {
      if (words && (a.display_name + " " + a.id).toLowerCase().indexOf(words) < 0) { return false; }
      if (category && a.categories.indexOf(category) < 0) { return false; }
      if (region && a.regions.indexOf(region) < 0) { return false; }
      if (state === "active" && !a.active) { return false; }
      if (state === "inactive" && a.active) { return false; }
      if (state === "on_duty" && !a.on_duty) { return false; }
      return true;
    });
    var collator = new Intl.Collator(M.lang === "en" ? "en" : "ko");
    shown.sort(function (a, b) {
      if (sort === "load") { return b.load_this_year - a.load_this_year || collator.compare(a.display_name, b.display_name); }
      if (sort === "id") { return collator.compare(a.id, b.id); }
      return collator.compare(a.display_name, b.display_name);
    });
    return shown;
  }
  ["r-search", "r-category", "r-region", "r-state", "r-sort"].forEach(function (id) {
    $(id).addEventListener(id === "r-search" ? "input" : "change", renderRoster);
  });
  $("roster-tools").addEventListener("submit", function (e) { e.preventDefault(); });

  // deactivating asks first and can be undone
  var pending = null;
  function askDeactivate(a) {
    pending = a;
    $("deactivate-question").firstChild.textContent = M.t("js.op.deactivate.question", {name: a.display_name});
    $("deactivate-yes").textContent = M.t("js.op.deactivate.yes");
    $("deactivate-no").textContent = M.t("js.op.deactivate.no");
    $("deactivate-confirm").hidden = false;
    $("deactivate-question").focus();
  }
  $("deactivate-no").addEventListener("click", function () { $("deactivate-confirm").hidden = true; pending = null; $("r-search").focus(); });
  $("deactivate-yes").addEventListener("click", async function () {
    var a = pending;
    $("deactivate-confirm").hidden = true;
    if (!a) { return; }
    var res = await setActive(a, false);
    if (res.ok) {
      $("undo").textContent = M.t("js.op.undo");
      $("undo").setAttribute("aria-label", M.t("js.op.undo") + " " + a.display_name);
      $("undo").onclick = async function () { $("undo-line").hidden = true; await setActive(a, true); $("r-search").focus(); };
      $("undo-line").hidden = false;
      $("undo").focus();
    }
  });
  async function setActive(a, active) {
    var res = await M.request("PATCH", "/api/admin/attorneys/" + encodeURIComponent(a.id), {active: active});
    $("invite-result").textContent = res.ok ? M.t(active ? "js.op.reactivated" : "js.roster.deactivated", {name: a.display_name})
                                            : M.problem(res);
    await loadRoster();
    return res;
  }

  function renderRoster() {
    var shown = shownRoster();
    $("roster-status").textContent = shown.length === rosterItems.length ? M.t("js.roster.count", {n: rosterItems.length})
      : M.t("js.op.roster.shown", {n: shown.length, total: rosterItems.length});
    roster.textContent = "";
    shown.forEach(function (a) {
      var actions = M.el("td", {class: "actions"});
      var toggle = M.el("button", {type: "button", class: "btn secondary",
                                   text: M.t(a.active ? "js.roster.deactivate" : "js.op.reactivate"),
                                   "aria-label": M.t(a.active ? "js.roster.deactivate" : "js.op.reactivate") + " " + a.display_name});
      toggle.addEventListener("click", function () { if (a.active) { askDeactivate(a); } else { setActive(a, true); } });
      actions.appendChild(toggle);
      var reset = M.el("button", {type: "button", class: "btn secondary", text: M.t("js.sf.reset"),
                                  "aria-label": M.t("js.sf.reset") + " " + a.display_name});
      reset.addEventListener("click", async function () {
        var res = await M.request("DELETE", "/api/admin/attorneys/" + encodeURIComponent(a.id) + "/second-factor");
        $("invite-result").textContent = res.ok ? M.t("js.sf.reset.done", {name: a.display_name}) : M.problem(res);
      });
      actions.appendChild(reset);
      var linked = M.el("button", {type: "button", class: "btn secondary", text: M.t("js.roster.accounts"),
                                   "aria-label": M.t("js.roster.accounts") + " " + a.display_name});
      linked.addEventListener("click", function () { showAccounts(a); });
      actions.appendChild(linked);
      var edit = M.el("button", {type: "button", class: "btn secondary", text: M.t("js.roster.edit"),
                                 "aria-label": M.t("js.roster.edit") + " " + a.display_name});
      edit.addEventListener("click", function () { startEdit(a); });
      actions.appendChild(edit);
      var invite = M.el("button", {type: "button", class: "btn secondary", text: M.t("js.roster.invite"),
                                   "aria-label": M.t("js.roster.invite") + " " + a.display_name});
      invite.addEventListener("click", async function () {
        var res = await M.request("POST", "/api/admin/attorneys/" + encodeURIComponent(a.id) + "/invites");
        $("invite-result").textContent = res.ok ? M.t("js.roster.code", {name: a.display_name, code: res.data.code,
                                                                          until: M.when(res.data.expires_at)}) : M.problem(res);
      });
      actions.appendChild(invite);
      roster.appendChild(M.el("tr", {}, [
        M.el("td", {text: a.id}), M.el("td", {text: a.display_name}),
        M.el("td", {text: a.categories.map(function (c) { return M.label("category", c); }).join(", ")}),
        M.el("td", {text: a.regions.map(function (c) { return M.label("region", c); }).join(", ")}),
        M.el("td", {text: [M.label("language", "ko")].concat((a.languages || []).map(function (c) { return M.label("language", c); })).join(", ")}),
        M.el("td", {text: (a.active ? M.t("js.roster.active") : M.t("js.roster.inactive")) + (a.on_duty ? " · " + M.t("js.roster.on_duty") : "")}),
        M.el("td", {text: a.load_this_year + " / " + a.annual_cap}),
        actions]));
    });
  }

  // the sign-in accounts linked to a profile, each with "unlink" (a fresh second factor: the API asks)
  async function showAccounts(a) {
    var list = $("accounts-list");
    var res = await M.request("GET", "/api/admin/attorneys/" + encodeURIComponent(a.id) + "/accounts");
    list.textContent = "";
    if (!res.ok) { $("invite-result").textContent = M.problem(res); list.hidden = true; return; }
    $("invite-result").textContent = res.data.items.length ? M.t("js.roster.accounts.of", {name: a.display_name})
                                                           : M.t("js.roster.accounts.none", {name: a.display_name});
    res.data.items.forEach(function (account) {
      var text = account.last_sign_in_at ? M.t("js.roster.accounts.item", {provider: account.provider,
                                                                           when: M.when(account.last_sign_in_at)})
                                         : M.t("js.roster.accounts.never", {provider: account.provider});
      var unlink = M.el("button", {type: "button", class: "btn danger", text: M.t("js.roster.unlink"),
                                   "aria-label": M.t("js.roster.unlink") + " " + text});
      unlink.addEventListener("click", async function () {
        var done = await M.request("DELETE", "/api/admin/attorneys/" + encodeURIComponent(a.id) + "/accounts/" +
                                   encodeURIComponent(account.account));
        list.hidden = true;
        $("invite-result").textContent = done.ok ? M.t("js.roster.unlinked", {name: a.display_name,
                                                                              provider: account.provider})
                                                 : M.problem(done);
      });
      list.appendChild(M.el("li", {}, [M.el("span", {text: text + " "}), unlink]));
    });
    list.hidden = res.data.items.length === 0;
  }

  var editing = null;   // the attorney being changed, or null when adding
  var form = $("add-attorney");
  var addTitle = $("add-title").textContent;
  var addLabel = $("add-submit").textContent;

  function startEdit(a) {
    editing = a;
    form.reset();
    form.display_name.value = a.display_name;
    form.querySelectorAll("input[name=categories]").forEach(function (box) { box.checked = a.categories.indexOf(box.value) >= 0; });
    Array.prototype.forEach.call(form.regions.options, function (o) { o.selected = a.regions.indexOf(o.value) >= 0; });
    form.annual_cap.value = a.own_annual_cap ? a.annual_cap : "";
    form.querySelectorAll("input[name=languages]").forEach(function (box) { box.checked = (a.languages || []).indexOf(box.value) >= 0; });
    $("contact-fields").hidden = true;
    $("edit-cancel").hidden = false;
    $("add-title").textContent = M.t("js.roster.editing", {name: a.display_name});
    $("add-submit").textContent = M.t("js.roster.save");
    $("add-title").focus();
  }
  function stopEdit() {
    editing = null;
    form.reset();
    $("contact-fields").hidden = false;
    $("edit-cancel").hidden = true;
    $("add-title").textContent = addTitle;
    $("add-submit").textContent = addLabel;
  }
  $("edit-cancel").addEventListener("click", function () { stopEdit(); $("add-title").focus(); });

  form.addEventListener("submit", async function (e) {
    e.preventDefault();
    form.querySelectorAll(".field-error").forEach(function (p) { p.hidden = true; });
    form.querySelectorAll("[aria-invalid]").forEach(function (f) { f.removeAttribute("aria-invalid"); });
    var body = {
      display_name: form.display_name.value.trim(),
      categories: Array.prototype.map.call(form.querySelectorAll("input[name=categories]:checked"), function (x) { return x.value; }),
      regions: Array.prototype.map.call(form.regions.selectedOptions, function (x) { return x.value; }),
      languages: Array.prototype.map.call(form.querySelectorAll("input[name=languages]:checked"), function (x) { return x.value; }),
      phone: form.phone.value.trim(), email: form.email.value.trim(), alert_channel: form.alert_channel.value
    };
    body.annual_cap = form.annual_cap.value ? Number(form.annual_cap.value) : null;
    var r;
    if (editing) {
      delete body.phone; delete body.email; delete body.alert_channel;
      r = await M.request("PUT", "/api/admin/attorneys/" + encodeURIComponent(editing.id), body);
    } else {
      if (body.annual_cap === null) { delete body.annual_cap; }
      r = await M.request("POST", "/api/admin/attorneys", body);
    }
    if (r.ok) {
      $("add-status").textContent = M.t(editing ? "js.roster.saved" : "js.roster.added", {name: r.data.display_name, id: r.data.id});
      stopEdit();
      loadRoster();
      return;
    }
    var details = (r.data && r.data.error && r.data.error.details) || [];
    var first = null;
    details.forEach(function (d) {
      var key = String(d.field).split(".")[0];
      var slot = $("aerr-" + key);
      var own = M.t("js.op.err." + key);  // in the person's language, not the validator's English
      if (slot) { slot.textContent = own === "js.op.err." + key ? d.message : own; slot.hidden = false; }
      var input = form.querySelector("[name='" + key + "']");
      if (input) { input.setAttribute("aria-invalid", "true"); first = first || input; }
    });
    $("add-status").textContent = details.length ? M.t("js.check") : M.problem(r);
    if (first) { first.focus(); }
  });

  function table(title, kind, rows, total) {
    var max = Math.max.apply(null, [1].concat(rows.map(function (r) { return r.count; })));
    var body = M.el("tbody", {}, rows.map(function (r) {
      var bar = M.el("span", {class: "bar", "aria-hidden": "true"});
      bar.style.width = Math.round(100 * r.count / max) + "%";
      return M.el("tr", {}, [M.el("th", {scope: "row", text: kind ? M.label(kind, r.code) : r.code}),
                             M.el("td", {class: "num", text: String(r.count)}),
                             M.el("td", {class: "num", text: total ? Math.round(100 * r.count / total) + "%" : "–"}),
                             M.el("td", {class: "barcell"}, [bar])]);
    }));
    return M.el("div", {class: "table-wrap"}, [M.el("table", {class: "stats"}, [
      M.el("caption", {text: title}),
      M.el("thead", {}, [M.el("tr", {}, [M.el("th", {scope: "col", text: M.t("js.stats.what")}),
                                         M.el("th", {scope: "col", text: M.t("js.stats.count")}),
                                         M.el("th", {scope: "col", text: M.t("js.stats.share")}),
                                         M.el("th", {scope: "col", text: M.t("js.stats.chart")})])]),
      body])]);
  }

  async function loadStats() {
    var month = $("s-month").value;
    $("csv").setAttribute("href", "/api/admin/stats?month=" + encodeURIComponent(month) + "&format=csv");
    var mine = statsTurn();
    var r = await M.request("GET", "/api/admin/stats?month=" + encodeURIComponent(month));
    if (!mine()) { return; }
    var holder = $("stats");
    holder.textContent = "";
    if (!r.ok) { $("stats-status").textContent = M.problem(r); return; }
    var s = r.data;
    $("stats-status").textContent = M.t("js.stats.total", {month: s.month, n: s.total});
    holder.appendChild(table(M.t("js.stats.category"), "category", s.by_category, s.total));
    holder.appendChild(table(M.t("js.stats.region"), "region", s.by_region, s.total));
    holder.appendChild(table(M.t("js.stats.mode"), "mode", s.by_mode, s.total));
    holder.appendChild(table(M.t("js.stats.method"), "method", s.by_method, s.total));
    holder.appendChild(table(M.t("js.stats.language"), "language", s.by_language || [], s.total));
    holder.appendChild(table(M.t("js.stats.status"), "status", s.by_status, s.total));
    var completed = s.recorded_outcomes.reduce(function (n, r) { return n + r.count; }, 0);
    holder.appendChild(table(M.t("js.stats.recorded"), "outcome", s.recorded_outcomes, completed));
    holder.appendChild(table(M.t("js.stats.rating", {n: s.satisfaction_answered,
                                                    avg: s.satisfaction_average === null ? "–" : s.satisfaction_average}),
                             "", s.by_rating, s.satisfaction_answered));
    var waits = M.el("tbody", {}, s.waiting.map(function (w) {
      return M.el("tr", {}, [M.el("th", {scope: "row", text: M.label("mode", w.mode)}),
                             M.el("td", {class: "num", text: String(w.measured)}),
                             M.el("td", {class: "num", text: w.median_minutes === null ? "–" : M.t("js.minutes", {n: w.median_minutes})})]);
    }));
    holder.appendChild(M.el("div", {class: "table-wrap"}, [M.el("table", {class: "stats"}, [
      M.el("caption", {text: M.t("js.stats.waiting")}),
      M.el("thead", {}, [M.el("tr", {}, [M.el("th", {scope: "col", text: M.t("js.stats.mode")}),
                                         M.el("th", {scope: "col", text: M.t("js.stats.measured")}),
                                         M.el("th", {scope: "col", text: M.t("js.stats.median")})])]),
      waits])]));
    var sent = (s.messages || []).map(function (m) {
      return M.el("tr", {}, [M.el("th", {scope: "row", text: m.template}), M.el("td", {text: m.channel}),
                             M.el("td", {text: m.result}), M.el("td", {class: "num", text: String(m.count)})]);
    });
    holder.appendChild(M.el("div", {class: "table-wrap"}, [M.el("table", {class: "stats", id: "message-stats"}, [
      M.el("caption", {text: M.t("js.stats.messages")}),
      M.el("thead", {}, [M.el("tr", {}, [M.el("th", {scope: "col", text: M.t("js.stats.template")}),
                                         M.el("th", {scope: "col", text: M.t("js.stats.channel")}),
                                         M.el("th", {scope: "col", text: M.t("js.stats.result")}),
                                         M.el("th", {scope: "col", text: M.t("js.stats.count")})])]),
      M.el("tbody", {}, sent.length ? sent : [M.el("tr", {}, [M.el("td", {colspan: "4",
                                                                         text: M.t("js.stats.no_messages")})])])])]));
  }
  $("stats-form").addEventListener("submit", function (e) { e.preventDefault(); loadStats(); });

  async function loadLog() {
    var params = new URLSearchParams();
    ["from", "to", "actor", "owner"].forEach(function (name) {
      var v = $("log-form").elements[name].value.trim();
      if (v) { params.set(name, v); }
    });
    var mine = logTurn();
    var r = await M.request("GET", "/api/admin/access-log?" + params.toString());
    if (!mine()) { return; }  // a later search was made meanwhile: its answer is the one to show
    var body = $("log");
    body.textContent = "";
    if (!r.ok) { $("log-status").textContent = M.problem(r); return; }
    $("log-status").textContent = M.t("js.log.count", {n: r.data.items.length});
    r.data.items.forEach(function (e) {
      body.appendChild(M.el("tr", {}, [M.el("td", {text: M.when(e.at)}), M.el("td", {text: staffName(e)}),
                                       M.el("td", {text: e.owner_name || e.owner}), M.el("td", {text: e.record}), M.el("td", {text: actionName(e.action)})]));
    });
  }
  function actionName(code) {
    var word = M.t("js.op.action." + code);
    return word === "js.op.action." + code ? code : word;
  }
  // who read: the attorney's name on the roster, or the role (never the raw sign-in subject)
  function staffName(e) {
    var role = M.t(e.actor_role === "admin" ? "js.op.log.admin" : "js.op.log.attorney");
    if (e.actor_name) { return e.actor_name + " (" + role + ")"; }
    return e.actor_role === "admin" ? role : M.t("js.op.log.unknown", {role: role});
  }
  $("log-form").addEventListener("submit", function (e) { e.preventDefault(); loadLog(); });

  loadRoster();
  loadStats();
  loadLog();
});
