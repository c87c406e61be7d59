// Maeul consultation status: updates by itself (polls the queue every few seconds), books slots.
"use strict";
(function () {
  var M = window.Maeul;
  var box = document.getElementById("consultation");
  if (!box || !M) { return; }
  var id = box.dataset.id;
  var base = "/api/consultations/" + encodeURIComponent(id);
  var POLL_MS = 4000;
  var shown = {status: null, mode: null};
  var slotsLoaded = false;
  var moving = false;
  var $ = function (name) { return document.getElementById(name); };
  var WITHDRAWABLE = ["submitted", "offered", "matched", "booked"];

  // Only real changes: live regions re-announce whatever is written to them.
  function setText(name, text) { if ($(name).textContent !== text) { $(name).textContent = text; } }

  function renderFacts(c) {
    setText("f-category", M.label("category", c.category));
    setText("f-region", M.label("region", c.region));
    setText("f-mode", M.label("mode", c.mode));
    setText("f-method", M.label("method", c.method));
    $("facts").hidden = false;
    var items = [];
    var t = c.triage || {};
    if (t.dismissal_remedy_deadline) {
      items.push(M.t(t.dismissal_remedy_overdue ? "js.triage.dismissal_overdue" : "js.triage.dismissal",
                     {date: t.dismissal_remedy_deadline, days: t.dismissal_remedy_days_left}));
    }
    if (t.wage_settlement_due) { items.push(M.t("js.triage.wage", {date: t.wage_settlement_due})); }
    var list = $("triage-list");
    list.textContent = "";
    items.forEach(function (text) { list.appendChild(M.el("li", {text: text})); });
    $("triage").hidden = items.length === 0;
  }

  async function loadBooking() {
    var r = await M.request("GET", base + "/booking");
    if (!r.ok) { $("booking").hidden = true; return; }
    var b = r.data;
    setText("booking-when", M.t("js.booking.when", {when: M.when(b.start), end: M.when(b.end, false)}));
    setText("booking-attorney", M.t("js.booking.attorney", {name: b.attorney.display_name}));
    setText("booking-how", b.how || "");
    $("booking").hidden = false;
  }

  async function loadAttorney() {
    var r = await M.request("GET", base + "/attorney");
    if (r.ok && r.data.attorney) {
      setText("matched-attorney", M.t("js.booking.attorney", {name: r.data.attorney.display_name}));
      $("matched-attorney").hidden = false;
    }
  }

  function render(q) {
    var status = q.status;
    setText("state", M.t("js.status.is", {status: M.label("status", status)}));
    var next = "js.next." + status;
    if (status === "submitted" && shown.mode === "reservation") { next = "js.next.submitted_reservation"; }
    if (q.realtime_failed) { next = "js.next.realtime_failed"; }
    setText("next-step", M.t(next));
    $("queue").hidden = !q.queued;
    $("room-link").hidden = ["matched", "booked", "in_progress"].indexOf(status) < 0;
    if ($("withdraw")) {
      var withdrawable = WITHDRAWABLE.indexOf(status) >= 0;
      $("withdraw").hidden = !withdrawable;
      if (!withdrawable) { closeWithdraw(); }
    }
    if (q.queued) {
      setText("queue-position", M.t("js.queue.position", {n: q.position}));
      setText("queue-estimate", q.next_opening ? M.t("js.queue.closed", {when: M.when(q.next_opening), minutes: q.estimate_minutes})
                                               : M.t("js.queue.estimate", {minutes: q.estimate_minutes}));
    }
    var wantsSlots = shown.mode === "reservation" && (status === "submitted" || moving);
    $("slots").hidden = !wantsSlots;
    if (wantsSlots && !slotsLoaded) { loadSlots(); }
    if (status !== shown.status) {
      shown.status = status;
      if (status === "booked") { loadBooking(); } else { $("booking").hidden = true; }
      if (status === "matched" || status === "in_progress") { loadAttorney(); } else { $("matched-attorney").hidden = true; }
    }
  }

  async function poll() {
    if (!document.hidden) {
      var r = await M.request("GET", base + "/queue");
      if (r.ok) { render(r.data); }
    }
    setTimeout(poll, POLL_MS);
  }

  async function loadSlots() {
    slotsLoaded = true;
    var holder = $("slot-days");
    holder.textContent = "";
    setText("slot-status", M.t("js.slots.loading"));
    var r = await M.request("GET", "/api/slots?consultation_id=" + encodeURIComponent(id));
    if (!r.ok) { setText("slot-status", M.t("js.slots.failed")); slotsLoaded = false; return; }
    if (!r.data.length) { setText("slot-status", M.t("js.slots.none")); return; }
    setText("slot-status", "");
    var days = {};
    var order = [];
    r.data.forEach(function (slot) {
      var key = M.dayKey(slot.start);
      if (!days[key]) { days[key] = []; order.push(key); }
      days[key].push(slot);
    });
    order.slice(0, 10).forEach(function (key, i) {
      var headingId = "slot-day-" + i;
      var group = M.el("div", {class: "slot-day", role: "group", "aria-labelledby": headingId},
                       [M.el("h3", {id: headingId, text: M.day(days[key][0].start)})]);
      var row = M.el("div", {class: "slot-times"});
      days[key].forEach(function (slot) {
        var button = M.el("button", {type: "button", class: "btn slot", "data-start": slot.start,
                                     text: M.when(slot.start, false)});
        button.addEventListener("click", function () { book(slot.start, button); });
        row.appendChild(button);
      });
      group.appendChild(row);
      holder.appendChild(group);
    });
  }

  async function book(start, button) {
    setText("slot-status", M.t("js.slots.booking"));
    button.disabled = true;
    var r = await M.request("POST", base + "/booking", {start: start});
    button.disabled = false;
    if (r.status === 201 || r.status === 200) {
      moving = false;
      slotsLoaded = false;
      setText("slot-status", M.t("js.slots.booked", {when: M.when(r.data.start)}));
      shown.status = null;
      render({status: "booked", queued: false});
      $("booking-when").focus();
      return;
    }
    var code = r.data && r.data.error ? r.data.error.code : "";
    setText("slot-status", code === "slot_taken" ? M.t("js.slots.taken") : ((r.data && r.data.error && r.data.error.message) || M.t("js.failed")));
    if (code === "slot_taken") { slotsLoaded = false; loadSlots(); }
  }

  $("booking-when").setAttribute("tabindex", "-1");
  $("booking-move").addEventListener("click", function () {
    moving = true; slotsLoaded = false; $("slots").hidden = false; loadSlots();
    $("slots-title").setAttribute("tabindex", "-1"); $("slots-title").focus();
  });
  $("booking-cancel").addEventListener("click", async function () {
    var r = await M.request("DELETE", base + "/booking");
    if (r.ok) {
      moving = false; slotsLoaded = false; shown.status = null;
      setText("slot-status", M.t("js.booking.cancelled"));
      render({status: r.data.consultation_status || "submitted", queued: false});
    } else {
      setText("next-step", (r.data && r.data.error && r.data.error.message) || M.t("js.failed"));
    }
  });

  // Withdrawing the request: a second, explicit confirmation before DELETE.
  function closeWithdraw() {
    if (!$("withdraw-confirm")) { return; }
    $("withdraw-confirm").hidden = true;
    $("withdraw-start").setAttribute("aria-expanded", "false");
  }
  if ($("withdraw")) {
    $("withdraw-start").addEventListener("click", function () {
      $("withdraw-confirm").hidden = false;
      $("withdraw-start").setAttribute("aria-expanded", "true");
      $("withdraw-question").focus();
    });
    $("withdraw-no").addEventListener("click", function () { closeWithdraw(); $("withdraw-start").focus(); });
    $("withdraw-yes").addEventListener("click", async function () {
      $("withdraw-yes").disabled = true;
      var r = await M.request("DELETE", base);
      $("withdraw-yes").disabled = false;
      closeWithdraw();
      if (r.ok) {
        moving = false; shown.status = null;
        render({status: "withdrawn", queued: false});
        setText("next-step", M.t("js.withdraw.done") + " " + M.t("js.next.withdrawn"));
        $("state").focus();
        return;
      }
      var code = r.data && r.data.error ? r.data.error.code : "";
      setText("next-step", code === "not_withdrawable" ? M.t("js.withdraw.not_withdrawable")
                                                        : ((r.data && r.data.error && r.data.error.message) || M.t("js.failed")));
    });
  }
  $("state").setAttribute("tabindex", "-1");

  (async function start() {
    var r = await M.request("GET", base);
    if (!r.ok) { setText("state", M.t(r.status === 404 ? "js.status.notfound" : "js.failed")); return; }
    shown.mode = r.data.mode;
    renderFacts(r.data);
    render({status: r.data.status, queued: false});
    poll();
  })();
})();
