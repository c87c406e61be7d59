// Maeul: the same-origin JSON API for the pages' scripts (CSRF double submit, one refresh on 401).
// Nothing is written to browser storage; nothing personal goes into a URL.
"use strict";
(function () {
  function csrf() {
    // the page names this stage's cookie: "__Host-csrf" over HTTPS, "csrf" on the local stage
    var prefix = ((document.querySelector("meta[name=csrf-cookie]") || {}).content || "__Host-csrf") + "=";
    var found = document.cookie.split("; ").find(function (c) { return c.indexOf(prefix) === 0; });
    return found ? decodeURIComponent(found.slice(prefix.length)) : "";
  }

  var refreshing = null;
  function refresh() {
    if (!refreshing) {
      refreshing = fetch("/auth/refresh", {method: "POST", credentials: "same-origin",
                                           headers: {"X-CSRF-Token": csrf()}})
        .then(function (r) { return r.ok; }, function () { return false; })
        .then(function (ok) { setTimeout(function () { refreshing = null; }, 1000); return ok; });
    }
    return refreshing;
  }

  async function send(method, path, body, headers) {
    var init = {method: method, credentials: "same-origin", headers: Object.assign({Accept: "application/json"}, headers || {})};
    if (method !== "GET") { init.headers["X-CSRF-Token"] = csrf(); }
    if (body !== undefined) { init.headers["Content-Type"] = "application/json"; init.body = JSON.stringify(body); }
    return fetch(path, init);
  }

  async function errorCode(resp) {
    try { return (await resp.clone().json()).error.code; } catch (e) { return null; }
  }

  async function request(method, path, body, headers) {
    var resp;
    try {
      resp = await send(method, path, body, headers);
      var code = resp.status === 401 ? await errorCode(resp) : null;
      if (code === "second_factor_required" || code === "step_up_required") {  // prove it is you, come back
        var here = encodeURIComponent(window.location.pathname);
        window.location.assign((code === "step_up_required" ? "/step-up?next=" : "/second-factor?next=") + here);
        return {status: 401, ok: false, data: null};
      }
      if (resp.status === 401 && await refresh()) { resp = await send(method, path, body, headers); }
    } catch (e) {
      return {status: 0, ok: false, data: null};
    }
    if (resp.status === 401) { window.location.reload(); }
    var data = null;
    try { data = await resp.json(); } catch (e) { data = null; }
    return {status: resp.status, ok: resp.ok, data: data};
  }

  var block = document.getElementById("page-data");
  var page = block ? JSON.parse(block.textContent) : {labels: {}, messages: {}, lang: document.documentElement.lang};

  function t(key, values) {
    var text = page.messages[key];
    if (text === undefined) { return key; }
    Object.keys(values || {}).forEach(function (name) { text = text.split("{" + name + "}").join(String(values[name])); });
    return text;
  }

  function label(kind, code) {
    var names = page.labels[kind] || {};
    return names[code] || code;
  }

  // Intl formats dates in the page language (easy Korean as Korean; English the British way)
  var locale = page.lang === "en" ? "en-GB" : (page.lang.indexOf("ko") === 0 ? "ko-KR" : page.lang);
  function when(iso, withDay) {
    var written = window.MaeulDates && MaeulDates.format(iso, page.lang, page.messages, withDay === false ? "time" : "full");
    if (written) { return written; }
    var options = {timeZone: "Asia/Seoul", hour: "2-digit", minute: "2-digit", hour12: false};
    if (withDay !== false) { options.month = "long"; options.day = "numeric"; options.weekday = "short"; }
    return new Intl.DateTimeFormat(locale, options).format(new Date(iso));
  }
  function day(iso) {
    var written = window.MaeulDates && MaeulDates.format(iso, page.lang, page.messages, "day");
    if (written) { return written; }
    return new Intl.DateTimeFormat(locale, {timeZone: "Asia/Seoul", month: "long", day: "numeric", weekday: "long"})
      .format(new Date(iso));
  }
  function dayKey(iso) {
    return new Intl.DateTimeFormat("en-CA", {timeZone: "Asia/Seoul", year: "numeric", month: "2-digit", day: "2-digit"})
      .format(new Date(iso));
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { node.textContent = attrs[k]; }
      else if (k === "hidden") { node.hidden = !!attrs[k]; }
      else { node.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) { if (c) { node.appendChild(c); } });
    return node;
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }

  // The site's clock (the page says when it was made; a monotonic timer counts on), never the browser's date.
  var madeAt = page.now ? Date.parse(page.now) : NaN;
  var loadedAt = performance.now();
  function siteNow() { return isNaN(madeAt) ? NaN : madeAt + (performance.now() - loadedAt); }

  // "오늘 14:00" / "내일 14:00" / "12월 9일 (수) 14:00", against the site's today.
  function relativeWhen(iso, nowMs) {
    var now = nowMs === undefined ? siteNow() : nowMs;
    if (!isNaN(now)) {
      var days = Math.round((Date.parse(dayKey(iso)) - Date.parse(dayKey(new Date(now).toISOString()))) / 86400000);
      if (days === 0) { return t("js.day.today", {time: when(iso, false)}); }
      if (days === 1) { return t("js.day.tomorrow", {time: when(iso, false)}); }
    }
    return when(iso);
  }

  // A wait a person reads: "약 25분 뒤", "약 25시간 뒤", "약 3일 뒤" (never "1518분").
  function wait(minutes) {
    if (minutes === null || minutes === undefined || minutes < 1) { return t("js.wait.soon"); }
    if (minutes < 60) { return t("js.wait.minutes", {n: Math.round(minutes)}); }
    if (minutes < 48 * 60) { return t("js.wait.hours", {n: Math.round(minutes / 60)}); }
    return t("js.wait.days", {n: Math.round(minutes / 1440)});
  }

  // a phone number as people write it: +821023456789 -> 010-2345-6789, +82312345678 -> 031-234-5678
  function phone(value) {
    var digits = String(value || "").replace(/[^0-9+]/g, "");
    if (digits.indexOf("+82") === 0) { digits = "0" + digits.slice(3); }
    if (!/^0\d{8,10}$/.test(digits)) { return String(value || ""); }
    if (digits.indexOf("02") === 0) {
      return digits.slice(0, 2) + "-" + digits.slice(2, digits.length - 4) + "-" + digits.slice(-4);
    }
    return digits.slice(0, 3) + "-" + digits.slice(3, digits.length - 4) + "-" + digits.slice(-4);
  }

  // what to tell the person when a request failed: the API's own message (in their language), else a general one
  function problem(r) { return (r.data && r.data.error && r.data.error.message) || t("js.failed"); }

  // For a list loaded again and again (a filter chosen, a form sent twice): ``var turn = latest()`` once,
  // then in each load ``var mine = turn();`` before the request and ``if (!mine()) { return; }`` after
  // it. An answer that comes back after a later load's began is dropped: the page shows what was asked last.
  function latest() {
    var count = 0;
    return function () {
      var mine = ++count;
      return function () { return mine === count; };
    };
  }

  // A page's script: ``init(M, root, $)`` runs when this page has the script's root element (the
  // scripts of a console share pages); ``$`` finds an element by id.
  function pageScript(rootId, init) {
    var root = document.getElementById(rootId);
    if (root) { init(window.Maeul, root, function (id) { return document.getElementById(id); }); }
  }

  window.Maeul = {request: request, phone: phone, t: t, label: label, when: when, day: day, dayKey: dayKey, el: el,
                  newKey: newKey, lang: page.lang, siteNow: siteNow, relativeWhen: relativeWhen, wait: wait,
                  problem: problem, page: pageScript, latest: latest};

  // The sign-in page: a session that merely expired comes back through the refresh cookie.
  var signin = document.getElementById("signin");
  if (signin && signin.dataset.tryRefresh === "yes") {
    refresh().then(function (ok) {
      if (!ok) { return; }
      return fetch("/api/me", {credentials: "same-origin"}).then(function (r) { if (r.ok) { window.location.reload(); } });
    });
  }
})();
