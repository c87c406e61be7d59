// Maeul attorney console: duty, offers with a countdown, assigned consultations, weekly availability.
"use strict";
window.Maeul.page("offers", function (M, offersList, $) {
  var POLL_MS = 5000;
  var offers = [];
  var interpretationLines = [];
  var rendered = false;

  function showDuty(r, on, offText) {
    $("duty-status").textContent = r.ok ? M.t(on ? "js.duty.on" : (offText || "js.duty.off"))
                                        : (M.problem(r));
    $("duty-on").setAttribute("aria-pressed", String(r.ok && on));
    $("duty-off").setAttribute("aria-pressed", String(r.ok && !on));
  }
  async function duty(on) {
    showDuty(await M.request("PUT", "/api/attorney/duty", {on_duty: on}), on);
  }
  $("duty-on").addEventListener("click", function () { duty(true); });
  $("duty-off").addEventListener("click", function () { duty(false); });
  (async function () {  // the state the attorney left it in, shown as soon as the console opens
    var r = await M.request("GET", "/api/attorney/duty");
    showDuty(r, r.ok && r.data.on_duty, "js.duty.idle");
  })();

  // counted from the server's "seconds left" when the list arrived, not from this device's clock
  function remaining(endsAt) {
    var seconds = Math.max(0, Math.round((endsAt - Date.now()) / 1000));
    return M.t("js.offer.left", {m: Math.floor(seconds / 60), s: String(seconds % 60).padStart(2, "0")});
  }

  function urgencyOf(u) {
    var flags = [];
    if (u.dismissal_remedy_deadline) { flags.push(M.t("js.flag.dismissal", {date: u.dismissal_remedy_deadline})); }
    if (u.wage_settlement_due) { flags.push(M.t("js.flag.wage", {date: u.wage_settlement_due})); }
    if (u.free_representation_eligible) { flags.push(M.t("js.flag.free")); }
    return flags;
  }

  function renderOffers() {
    var active = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset : {};
    offersList.textContent = "";
    $("offers-empty").textContent = offers.length ? "" : M.t("js.offers.none");
    offers.forEach(function (o) {
      var accept = M.el("button", {type: "button", class: "btn primary", "data-offer": o.id, "data-act": "accept",
                                   text: M.t("js.offer.accept")});
      var decline = M.el("button", {type: "button", class: "btn secondary", "data-offer": o.id, "data-act": "decline",
                                    text: M.t("js.offer.decline")});
      accept.addEventListener("click", function () { answer(o, "accept"); });
      decline.addEventListener("click", function () { answer(o, "decline"); });
      var flags = urgencyOf(o.urgency || {});
      if (o.language && o.language.indexOf("ko") !== 0) { flags.unshift(M.t("js.flag.language", {language: M.label("language", o.language)})); }
      if (o.interpreter_needed) {
        flags.unshift(M.t("js.flag.interpreter", {lines: interpretationLines.map(function (x) { return x.name + " " + x.phone; }).join(", ")}));
      }
      offersList.appendChild(M.el("li", {class: "card offer"}, [
        M.el("p", {}, [M.el("strong", {text: M.label("category", o.category) + " · " + M.label("region", o.region) +
                                             " · " + M.label("method", o.method)})]),
        flags.length ? M.el("ul", {class: "flags"}, flags.map(function (f) { return M.el("li", {class: "flag", text: f}); })) : null,
        M.el("p", {class: "countdown", "data-ends": String(o.endsAt), text: remaining(o.endsAt)}),
        M.el("p", {class: "actions"}, [accept, decline])
      ]));
      if (active.offer === o.id) { (active.act === "decline" ? decline : accept).focus(); }
    });
  }

  // a list of offers asked for before an answer was given is out of date when it arrives: dropped
  var offersTurn = M.latest(), assignedTurn = M.latest();
  async function answer(o, act) {
    offersTurn();
    var r = await M.request("POST", "/api/attorney/offers/" + encodeURIComponent(o.id) + "/" + act);
    offersTurn();  // and those asked for while the answer was on its way
    $("offers-status").textContent = r.ok ? M.t(act === "accept" ? "js.offer.accepted" : "js.offer.declined")
      : (r.status === 409 ? M.t("js.offer.gone") : (M.problem(r)));
    offers = offers.filter(function (x) { return x.id !== o.id; });
    renderOffers();
    if (r.ok && act === "accept") { loadAssigned(); }
  }

  async function pollOffers() {
    if (!document.hidden) {
      var mine = offersTurn();
      var r = await M.request("GET", "/api/attorney/offers");
      if (r.ok && mine()) {
        var before = offers.map(function (o) { return o.id; }).join();
        var received = Date.now();
        offers = r.data.items.map(function (o) { o.endsAt = received + o.seconds_left * 1000; return o; });
        interpretationLines = r.data.interpretation_lines || [];
        if (offers.map(function (o) { return o.id; }).join() !== before || !rendered) { rendered = true; renderOffers(); }
      }
    }
    setTimeout(pollOffers, POLL_MS);
  }
  setInterval(function () {
    offersList.querySelectorAll(".countdown").forEach(function (p) { p.textContent = remaining(Number(p.dataset.ends)); });
  }, 1000);

  async function loadAssigned() {
    var mine = assignedTurn();
    var r = await M.request("GET", "/api/attorney/consultations");
    if (!mine()) { return; }
    var list = $("assigned");
    list.textContent = "";
    if (!r.ok) { $("assigned-status").textContent = M.problem(r); return; }
    $("assigned-status").textContent = r.data.items.length ? "" : M.t("js.assigned.none");
    r.data.items.forEach(function (c) {
      var open = M.el("button", {type: "button", class: "btn secondary", text: M.t("js.assigned.open")});
      open.addEventListener("click", function () { openDetail(c.id); });
      var docs = M.el("p", {class: "documents-count", hidden: true});
      list.appendChild(M.el("li", {class: "card", "data-consultation": c.id}, [
        M.el("p", {text: M.label("category", c.category) + " · " + M.label("region", c.region) + " · " +
                         M.label("method", c.method) + " · " + M.label("status", c.status)}),
        docs, M.el("p", {}, [open])]));
      // how many checked documents wait (names and states only: nothing is opened from the list)
      M.request("GET", "/api/consultations/" + encodeURIComponent(c.id) + "/attachments?links=false").then(function (d) {
        var ready = d.ok ? d.data.items.filter(function (x) { return x.status === "ready"; }).length : 0;
        if (ready) { docs.textContent = M.t("js.docs.waiting", {count: ready}); docs.hidden = false; }
      });
    });
    announce("maeul:assigned", {items: r.data.items, open: openDetail});
  }

  // other parts of the console (attorney_day.js: the agenda, hand-back, the close guard) follow these
  function announce(name, detail) { document.dispatchEvent(new CustomEvent(name, {detail: detail})); }

  // one fact of the detail: codes as words, the phone as a number to tap
  function factNode(key, value) {
    if (key === "js.d.phone") {
      var shown = M.phone(value);
      return M.el("dd", {}, [M.el("a", {class: "nowrap", href: "tel:" + value, "aria-label": M.t("js.ad.call", {phone: shown}),
                                        text: shown})]);
    }
    return M.el("dd", {class: key === "js.d.description" ? "prewrap" : "", text: value});
  }

  var openId = null;
  async function openDetail(id) {
    openId = id;
    $("detail-room").setAttribute("href", "/consultations/" + encodeURIComponent(id) + "/room");
    $("outcome-status").textContent = "";
    var r = await M.request("GET", "/api/consultations/" + encodeURIComponent(id));
    var facts = $("detail-facts");
    facts.textContent = "";
    if (!r.ok) { facts.appendChild(M.el("dd", {text: M.t("js.failed")})); }
    else {
      var c = r.data, p = c.personal || {};
      var rows = [["js.d.name", p.name], ["js.d.phone", p.phone], ["js.d.email", p.email],
                  ["js.d.employer", [p.employer_name, p.employer_city].filter(Boolean).join(", ")],
                  ["js.d.employment", p.employment_status ? M.label("employment", p.employment_status) : ""],
                  ["js.d.left_on", p.left_on || p.dismissed_on],
                  ["js.ad.pay", p.monthly_pay ? M.label("pay", p.monthly_pay) : ""],
                  ["js.d.description", p.description]];
      var t = c.triage || {};
      if (t.dismissal_remedy_deadline) { rows.push(["js.d.urgent", M.t("js.flag.dismissal", {date: t.dismissal_remedy_deadline})]); }
      if (t.wage_settlement_due) { rows.push(["js.d.urgent", M.t("js.flag.wage", {date: t.wage_settlement_due})]); }
      rows.forEach(function (row) {
        if (!row[1]) { return; }
        facts.appendChild(M.el("dt", {text: M.t(row[0])}));
        facts.appendChild(factNode(row[0], row[1]));
      });
    }
    announce("maeul:detail", {id: id, consultation: r.ok ? r.data : null});
    $("detail").hidden = false;
    $("detail-title").focus();
  }

  // closing cannot be undone: it is asked first
  $("outcome").addEventListener("submit", function (e) {
    e.preventDefault();
    if (!openId) { return; }
    var chosen = $("outcome-code");
    $("close-question").firstChild.textContent = M.t("js.ad.close.question",
                                                     {outcome: chosen.options[chosen.selectedIndex].text});
    $("close-yes").textContent = M.t("js.ad.close.yes");
    $("close-no").textContent = M.t("js.ad.close.no");
    $("close-confirm").hidden = false;
    $("close-question").focus();
  });
  $("close-no").addEventListener("click", function () {
    $("close-confirm").hidden = true;
    $("outcome-code").focus();
  });
  $("close-yes").addEventListener("click", async function () {
    $("close-confirm").hidden = true;
    if (!openId) { return; }
    var body = {outcome: $("outcome-code").value};
    var note = $("outcome-note").value.trim();
    if (note) { body.note = note; }
    var r = await M.request("POST", "/api/attorney/consultations/" + encodeURIComponent(openId) + "/outcome", body);
    $("outcome-status").textContent = r.ok ? M.t("js.outcome.saved") : (M.problem(r));
    if (r.ok) { $("outcome").reset(); loadAssigned(); }
  });

  var current = {leaves: [], closed_days: []};

  // days off: whole days kept with the weekly pattern, saved with it
  function renderLeaves() {
    var list = $("leaves");
    list.textContent = "";
    if (!(current.leaves || []).length) { list.appendChild(M.el("li", {text: M.t("js.ad.leave.none")})); }
    (current.leaves || []).forEach(function (leave, i) {
      var text = leave.from === leave.to ? leave.from : leave.from + " – " + leave.to;
      var remove = M.el("button", {type: "button", class: "btn secondary", text: M.t("js.ad.leave.remove", {date: text})});
      remove.addEventListener("click", function () { current.leaves.splice(i, 1); renderLeaves(); $("leave-date").focus(); });
      list.appendChild(M.el("li", {class: "leave"}, [M.el("span", {text: text + " "}), remove]));
    });
  }
  $("leave-add").addEventListener("click", function () {
    var value = $("leave-date").value;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) { $("leave-date").focus(); return; }
    current.leaves = (current.leaves || []).filter(function (x) { return !(x.from === value && x.to === value); });
    current.leaves.push({from: value, to: value});
    current.leaves.sort(function (a, b) { return a.from < b.from ? -1 : 1; });
    $("leave-date").value = "";
    renderLeaves();
  });
  async function loadAvailability() {
    var r = await M.request("GET", "/api/attorney/availability");
    if (!r.ok) { $("availability-status").textContent = M.problem(r); return; }
    current = r.data;
    renderLeaves();
    document.querySelectorAll("#availability input[data-day]").forEach(function (box) {
      var ranges = (r.data.weekly || {})[box.dataset.day] || [];
      box.checked = ranges.some(function (x) { return x.start <= box.dataset.start && x.end >= box.dataset.end; });
    });
  }
  $("availability").addEventListener("submit", async function (e) {
    e.preventDefault();
    var weekly = {mon: [], tue: [], wed: [], thu: [], fri: []};
    document.querySelectorAll("#availability input[data-day]").forEach(function (box) {
      if (box.checked) { weekly[box.dataset.day].push({start: box.dataset.start, end: box.dataset.end}); }
    });
    var r = await M.request("PUT", "/api/attorney/availability",
                            {weekly: weekly, leaves: current.leaves || [], closed_days: current.closed_days || []});
    $("availability-status").textContent = r.ok ? M.t("js.week.saved")
      : (M.problem(r));
  });

  document.addEventListener("maeul:reload-assigned", function () { loadAssigned(); });
  pollOffers();
  loadAssigned();
  loadAvailability();
});
