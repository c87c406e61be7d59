// Maeul attorney console, the day's work: the agenda of booked consultations (today / this week), the
// booked time, method, language and sensitive-data flags in the detail, handing a booking back (asked
// first) and the close guard (the outcome form only once the booked slot has started).
// Times are compared with the site's clock (M.siteNow), never the device's date.
"use strict";
window.Maeul.page("agenda", function (M, agenda, $) {
  var assigned = {};
  var shownId = null;
  var DAY_MS = 86400000;

  (function dutyNext() {
    var next = $("duty-next");
    if (next && next.dataset.next) { next.textContent = M.t("js.ad.duty.closed", {when: M.relativeWhen(next.dataset.next)}); }
  })();

  function daysFromToday(iso) {
    var now = M.siteNow();
    return Math.round((Date.parse(M.dayKey(iso)) - Date.parse(M.dayKey(new Date(now).toISOString()))) / DAY_MS);
  }

  function agendaItem(c, open) {
    var when = M.when(c.booking_start);
    var button = M.el("button", {type: "button", class: "btn secondary", "data-consultation": c.id,
                                 text: M.t("js.ad.open", {when: M.when(c.booking_start, false)})});
    button.addEventListener("click", function () { open(c.id); });
    return M.el("li", {class: "card agenda-item"}, [
      M.el("p", {}, [M.el("strong", {class: "agenda-time", text: when + "–" + M.when(c.booking_end, false)})]),
      M.el("p", {text: M.label("category", c.category) + " · " + M.label("method", c.method) + " · " +
                       M.label("language", c.preferred_language)}),
      M.el("p", {}, [button])]);
  }

  function renderAgenda(items, open) {
    var lists = {today: $("agenda-today"), week: $("agenda-week"), later: $("agenda-later")};
    Object.keys(lists).forEach(function (k) { lists[k].textContent = ""; });
    var booked = items.filter(function (c) { return c.booking_start && c.status === "booked"; })
      .sort(function (a, b) { return Date.parse(a.booking_start) - Date.parse(b.booking_start); });
    booked.forEach(function (c) {
      var days = daysFromToday(c.booking_start);
      var list = days <= 0 ? lists.today : (days < 7 ? lists.week : lists.later);
      list.appendChild(agendaItem(c, open));
    });
    if (!lists.today.children.length) { lists.today.appendChild(M.el("li", {text: M.t("js.ad.today.none")})); }
    if (!lists.week.children.length) { lists.week.appendChild(M.el("li", {text: M.t("js.ad.none")})); }
    var later = lists.later.children.length > 0;
    lists.later.hidden = !later;
    $("agenda-later-title").hidden = !later;
  }

  document.addEventListener("maeul:assigned", function (e) {
    assigned = {};
    e.detail.items.forEach(function (c) { assigned[c.id] = c; });
    renderAgenda(e.detail.items, e.detail.open);
    // the assigned list shows the booked time too
    document.querySelectorAll("#assigned li").forEach(function (li, i) {
      var c = e.detail.items[i];
      if (c && c.booking_start) {
        li.insertBefore(M.el("p", {class: "agenda-time", text: M.t("js.ad.booked") + ": " + M.when(c.booking_start)}),
                        li.firstChild);
      }
    });
  });

  function addFact(facts, key, value, first) {
    var dt = M.el("dt", {text: M.t(key)}), dd = M.el("dd", {text: value});
    if (first) { facts.insertBefore(dd, facts.firstChild); facts.insertBefore(dt, dd); }
    else { facts.appendChild(dt); facts.appendChild(dd); }
  }

  function sensitiveText(p) {
    var s = (p && p.sensitive_details) || {};
    var parts = [];
    if (s.health) { parts.push(M.t("js.ad.sensitive.health")); }
    if (s.union) { parts.push(M.t("js.ad.sensitive.union")); }
    return parts.length ? parts.join(", ") : M.t("js.ad.sensitive.none");
  }

  document.addEventListener("maeul:detail", function (e) {
    shownId = e.detail.id;
    var c = e.detail.consultation, item = assigned[e.detail.id] || {};
    var facts = $("detail-facts");
    $("handback-status").textContent = "";
    $("handback-confirm").hidden = true;
    if (c) {
      addFact(facts, "js.ad.language", M.label("language", c.preferred_language), true);
      addFact(facts, "js.ad.method", M.label("method", c.method), true);
      if (c.personal) { addFact(facts, "js.ad.sensitive", sensitiveText(c.personal)); }
    }
    var start = item.booking_start && item.status === "booked" ? item.booking_start : null;
    if (start) { addFact(facts, "js.ad.booked", M.when(start) + "–" + M.when(item.booking_end, false), true); }
    var before = start !== null && Date.parse(start) > M.siteNow();
    // the close guard: a booked consultation is closed only once its slot has started
    $("outcome").hidden = before;
    $("close-confirm").hidden = true;
    $("close-wait").hidden = !before;
    $("close-wait").textContent = before ? M.t("js.ad.close.wait", {when: M.relativeWhen(start)}) : "";
    // handing back: only a booking that has not started yet
    $("handback").hidden = !before;
    $("handback-open").textContent = M.t("js.ad.handback");
  });

  $("handback-open").addEventListener("click", function () {
    var item = assigned[shownId] || {};
    $("handback-question").firstChild.textContent = M.t("js.ad.handback.question", {when: M.when(item.booking_start)});
    $("handback-reason-label").textContent = M.t("js.ad.handback.reason");
    $("handback-yes").textContent = M.t("js.ad.handback.yes");
    $("handback-no").textContent = M.t("js.ad.handback.no");
    $("handback-error").textContent = "";
    $("handback-confirm").hidden = false;
    $("handback-question").focus();
  });
  $("handback-no").addEventListener("click", function () {
    $("handback-confirm").hidden = true;
    $("handback-open").focus();
  });
  $("handback-yes").addEventListener("click", async function () {
    var reason = $("handback-reason").value.trim();
    if (reason.length < 2) {
      $("handback-error").textContent = M.t("js.ad.handback.reason.short");
      $("handback-reason").setAttribute("aria-invalid", "true");
      $("handback-reason").focus();
      return;
    }
    $("handback-reason").removeAttribute("aria-invalid");
    var r = await M.request("POST", "/api/attorney/bookings/" + encodeURIComponent(shownId) + "/decline", {reason: reason});
    if (!r.ok) {
      $("handback-error").textContent = M.problem(r);
      return;
    }
    $("handback-confirm").hidden = true;
    $("handback-reason").value = "";
    $("detail").hidden = true;
    $("agenda-status").textContent = M.t("js.ad.handback.done");
    $("agenda-title").focus();
    document.dispatchEvent(new CustomEvent("maeul:reload-assigned"));
  });
});
