// Maeul consultation status: updates by itself (polls the queue every few seconds), books slots.
"use strict";
window.Maeul.page("consultation", function (M, box, $) {
  var id = box.dataset.id;
  var base = "/api/consultations/" + encodeURIComponent(id);
  var POLL_MS = 4000;
  var shown = {status: null, mode: null};
  var slotsLoaded = false;
  var moving = false;
  var switching = false;  // a queued real-time request being switched to a reservation
  var undoStart = null;   // the time of the booking just cancelled, offered back once
  var undoBooking = false;  // a booking just made: "undo" cancels it without asking again
  var booked = null;      // the booking on show (for the cancel question)
  var chosen = null;      // the slot waiting for confirmation
  var WITHDRAWABLE = ["submitted", "offered", "matched", "booked"];

  // Only real changes: live regions re-announce whatever is written to them.
  function setText(name, text) { if ($(name).textContent !== text) { $(name).textContent = text; } }

  function renderFacts(c) {
    setText("f-receipt", c.receipt || "—");
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
    if (t.wage_settlement_due) {
      // a due date already passed is said with what it means: a wage complaint is possible now
      items.push(M.t(t.wage_complaint_possible ? "js.triage.wage_passed" : "js.triage.wage", {date: t.wage_settlement_due}));
    }
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
    setText("booking-cutoff", b.cancel_until ? M.t("js.booking.cutoff", {when: M.relativeWhen(b.cancel_until)}) : "");
    booked = b;
    $("booking").hidden = false;
  }

  async function loadAttorney() {
    var r = await M.request("GET", base + "/attorney");
    if (r.ok && r.data.attorney) {
      setText("matched-attorney", M.t("js.booking.attorney", {name: r.data.attorney.display_name}));
      $("matched-attorney").hidden = false;
    }
  }

  // after the attorney closed: what came of it, in the resident's words
  async function loadOutcome() {
    var r = await M.request("GET", base + "/room");
    if (!r.ok || !r.data.outcome) { return; }
    setText("outcome-line", M.t("js.result.line", {what: M.t("js.result." + r.data.outcome)}));
    $("outcome-line").hidden = false;
  }

  function render(q) {
    var status = q.status;
    setText("state", M.t("js.status.is", {status: M.label("status", status)}));
    var next = "js.next." + status;
    if (status === "submitted" && shown.mode === "reservation") { next = "js.next.submitted_reservation"; }
    if (q.realtime_failed) { next = "js.next.realtime_failed"; }
    setText("next-step", M.t(next));
    $("queue").hidden = !q.queued;
    // the room while it is open; after closing, the same link leads to the record of the messages
    $("room-link").hidden = ["matched", "booked", "in_progress", "completed"].indexOf(status) < 0;
    var link = $("room-link-a");
    setText("room-link-a", status === "completed" ? link.dataset.closed : link.dataset.open);
    if ($("withdraw")) {
      var withdrawable = WITHDRAWABLE.indexOf(status) >= 0;
      $("withdraw").hidden = !withdrawable;
      if (!withdrawable) { closeWithdraw(); }
    }
    // waiting for real time, the resident may pick a time instead (nothing to retype)
    $("switch").hidden = !(q.queued && shown.mode === "realtime" && status === "submitted");
    if (q.queued) {
      setText("queue-position", M.t("js.queue.position", {n: q.position}));
      setText("queue-estimate", q.next_opening ? M.t("js.queue.closed", {when: M.relativeWhen(q.next_opening), wait: M.wait(q.estimate_minutes)})
                                               : M.t("js.queue.estimate", {wait: M.wait(q.estimate_minutes)}));
    }
    // a real-time request nobody could take stays open and can be booked as a reservation instead
    var wantsSlots = (shown.mode === "reservation" || q.realtime_failed || switching) && (status === "submitted" || moving);
    $("slots").hidden = !wantsSlots;
    if (wantsSlots && !slotsLoaded) { loadSlots(); }
    if (status !== shown.status) {
      shown.status = status;
      $("booking-undo-line").hidden = true;  // an undo offered for the state before is stale now
      if (status === "booked") { loadBooking(); } else { $("booking").hidden = true; }
      if (status === "matched" || status === "in_progress") { loadAttorney(); } else { $("matched-attorney").hidden = true; }
      if (status === "completed") { loadOutcome(); } else { $("outcome-line").hidden = true; }
    }
  }

  // a state asked for before the resident booked, cancelled or withdrew is out of date when it arrives
  // (it would take back the new state and its undo until the next poll): dropped
  var stateTurn = M.latest();
  async function poll() {
    if (!document.hidden) {
      var mine = stateTurn();
      var r = await M.request("GET", base + "/queue");
      if (r.ok && mine()) { render(r.data); }
    }
    setTimeout(poll, POLL_MS);
  }

  // Times grouped by day (each day folds) and by morning / afternoon, with the earliest first; choosing
  // a time only asks, "book it?" -- nothing is booked by a stray tap while scrolling.
  async function loadSlots() {
    slotsLoaded = true;
    var holder = $("slot-days");
    holder.textContent = "";
    $("slot-earliest").hidden = true;
    closeConfirm(false);
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
    var earliest = r.data[0];
    $("earliest").textContent = M.t("js.slots.earliest", {when: M.relativeWhen(earliest.start)});
    $("earliest").onclick = function () { ask(earliest, $("earliest")); };
    $("slot-earliest").hidden = false;
    order.slice(0, 10).forEach(function (key, i) {
      var list = days[key];
      var day = M.el("details", {class: "slot-day"});
      if (i === 0) { day.open = true; }
      day.appendChild(M.el("summary", {}, [
        M.el("span", {class: "day-name", text: M.day(list[0].start)}),
        M.el("span", {class: "day-count", text: M.t("js.slots.count", {n: list.length})})]));
      [["morning", function (h) { return h < 12; }], ["afternoon", function (h) { return h >= 12; }]].forEach(function (half) {
        var times = list.filter(function (slot) { return half[1](hourOf(slot.start)); });
        if (!times.length) { return; }
        var headingId = "slot-day-" + i + "-" + half[0];
        var group = M.el("div", {class: "slot-half", role: "group", "aria-labelledby": headingId},
                         [M.el("h3", {id: headingId, text: M.t("js.slots." + half[0])})]);
        var row = M.el("div", {class: "slot-times"});
        times.forEach(function (slot) {
          var button = M.el("button", {type: "button", class: "btn slot", "data-start": slot.start, "aria-pressed": "false",
                                       text: M.when(slot.start, false)});
          button.addEventListener("click", function () { ask(slot, button); });
          row.appendChild(button);
        });
        group.appendChild(row);
        day.appendChild(group);
      });
      holder.appendChild(day);
    });
  }

  var HOUR = new Intl.DateTimeFormat("en-GB", {timeZone: "Asia/Seoul", hour: "2-digit", hour12: false});
  function hourOf(iso) { return Number(HOUR.format(new Date(iso))); }

  function ask(slot, button) {
    chosen = {slot: slot, button: button};
    document.querySelectorAll("#slot-days button.slot").forEach(function (b) { b.setAttribute("aria-pressed", String(b === button)); });
    $("slot-question").querySelector("strong").textContent = M.t("js.slots.confirm_q", {when: M.relativeWhen(slot.start)});
    $("slot-yes").textContent = M.t("js.slots.confirm_yes");
    $("slot-no").textContent = M.t("js.slots.confirm_no");
    $("slot-confirm").hidden = false;
    $("slot-question").focus();
  }
  function closeConfirm(refocus) {
    var was = chosen;
    chosen = null;
    $("slot-confirm").hidden = true;
    document.querySelectorAll("#slot-days button.slot").forEach(function (b) { b.setAttribute("aria-pressed", "false"); });
    if (refocus && was && was.button && document.body.contains(was.button)) { was.button.focus(); }
  }
  $("slot-no").addEventListener("click", function () { closeConfirm(true); });
  $("slot-yes").addEventListener("click", function () { if (chosen) { book(chosen.slot.start); } });

  function result(text) {
    var line = $("booking-result");
    line.textContent = text;
    line.focus();  // the outcome is where the eyes and the screen reader go next
  }

  async function book(start, undoing) {
    setText("slot-status", M.t("js.slots.booking"));
    $("slot-yes").disabled = true;
    stateTurn();
    var r = await M.request("POST", base + "/booking", {start: start});
    stateTurn();
    $("slot-yes").disabled = false;
    if (r.status === 201 || r.status === 200) {
      if (shown.mode === "realtime") {  // booked from the queue: it is a reservation now
        shown.mode = "reservation";
        setText("f-mode", M.label("mode", "reservation"));
      }
      switching = false;
      undoStart = null;
      moving = false;
      slotsLoaded = false;
      closeConfirm(false);
      setText("slot-status", "");
      shown.status = null;
      render({status: "booked", queued: false});
      result(M.t("js.slots.booked", {when: M.relativeWhen(r.data.start)}));
      // undo: a stray confirmation is taken back in one tap (not after undoing a cancellation)
      undoBooking = !undoing;
      $("booking-undo").textContent = M.t("js.booking.undo_book");
      $("booking-undo-line").hidden = !undoBooking;
      return;
    }
    closeConfirm(false);
    var code = r.data && r.data.error ? r.data.error.code : "";
    if (switching && code === "not_bookable") {  // an attorney is being offered it right now
      switching = false;
      $("slots").hidden = true;
      result(M.t("js.switch.offered"));
      return;
    }
    setText("slot-status", code === "slot_taken" ? M.t("js.slots.taken") : (M.problem(r)));
    if (code === "slot_taken") { slotsLoaded = false; loadSlots(); }
  }

  $("switch-start").addEventListener("click", function () {
    switching = true; slotsLoaded = false; $("slots").hidden = false; loadSlots();
    $("slots-title").setAttribute("tabindex", "-1"); $("slots-title").focus();
  });
  $("booking-move").addEventListener("click", function () {
    moving = true; slotsLoaded = false; $("slots").hidden = false; loadSlots();
    $("slots-title").setAttribute("tabindex", "-1"); $("slots-title").focus();
  });
  // Cancelling asks first; the safe answer ("keep it") has the focus.
  $("booking-cancel").addEventListener("click", function () {
    $("cancel-question").querySelector("strong").textContent =
      M.t("js.booking.cancel_q", {when: booked ? M.relativeWhen(booked.start) : ""});
    $("cancel-yes").textContent = M.t("js.booking.cancel_yes");
    $("cancel-no").textContent = M.t("js.booking.cancel_no");
    $("cancel-confirm").hidden = false;
    $("cancel-no").focus();
  });
  $("cancel-no").addEventListener("click", function () {
    $("cancel-confirm").hidden = true;
    result(M.t("js.booking.kept"));
  });
  async function cancelBooking(undoing) {
    stateTurn();
    var r = await M.request("DELETE", base + "/booking");
    stateTurn();
    if (r.ok) {
      undoStart = booked && !undoing ? booked.start : null;
      undoBooking = false;
      moving = false; slotsLoaded = false; shown.status = null; booked = null;
      render({status: r.data.consultation_status || "submitted", queued: false});
      result(M.t("js.booking.cancelled"));
      // undo: the same time again, while it is still free (the booking rules decide)
      if (undoStart) {
        $("booking-undo").textContent = M.t("js.booking.undo", {when: M.relativeWhen(undoStart)});
      }
      $("booking-undo-line").hidden = !undoStart;
    } else {
      result(M.problem(r));
    }
  }
  $("cancel-yes").addEventListener("click", async function () {
    $("cancel-yes").disabled = true;
    await cancelBooking(false);
    $("cancel-yes").disabled = false;
    $("cancel-confirm").hidden = true;
  });

  $("booking-undo").addEventListener("click", function () {
    $("booking-undo-line").hidden = true;
    if (undoBooking) { cancelBooking(true); } else if (undoStart) { book(undoStart, true); }
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
      stateTurn();
      var r = await M.request("DELETE", base);
      stateTurn();
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
                                                        : (M.problem(r)));
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
});
