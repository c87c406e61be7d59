// Dates and times for languages whose locale data Chromium lacks (it falls back to a root-locale
// format such as "2026 M12 1, Tue"): Nepali, Khmer, Burmese and Uzbek are written from the
// catalogue's own patterns (when.page, when.weekdays, when.months) with the fields of
// languages.WHEN_FIELDS, as the server writes them (languages.when).
// Other languages return null and the caller uses Intl. Always Korea's time (Asia/Seoul).
(function () {
  "use strict";
  var FROM_CATALOGUE = ["ne", "km", "my", "uz"];
  var PARTS = new Intl.DateTimeFormat("en-GB", {timeZone: "Asia/Seoul", year: "numeric", month: "numeric",
    day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23", weekday: "short"});
  var WEEKDAY = {Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6};

  function seoul(iso) {
    var out = {};
    PARTS.formatToParts(new Date(iso)).forEach(function (p) { out[p.type] = p.value; });
    return {year: Number(out.year), month: Number(out.month), day: Number(out.day), weekday: WEEKDAY[out.weekday],
            time: out.hour + ":" + out.minute};
  }

  // mode: "full" (day and time), "time", "day" (no time); messages: the catalogue's when.* texts
  function format(iso, lang, messages, mode) {
    if (FROM_CATALOGUE.indexOf(lang) < 0 || !messages || !messages["when.page"]) { return null; }
    var d = seoul(iso);
    if (mode === "time") { return d.time; }
    var pattern = messages["when.page"];
    if (mode === "day") { pattern = pattern.replace(/\s+(?:[^\s{}()]+\s+)?\{time\}/, "").trim(); }
    var values = {year: String(d.year), month: String(d.month), day: String(d.day), time: d.time,
                  month2: (d.month < 10 ? "0" : "") + d.month, day2: (d.day < 10 ? "0" : "") + d.day,
                  month_name: (messages["when.months"] || "").split(",")[d.month - 1] || String(d.month),
                  weekday: (messages["when.weekdays"] || "").split(",")[d.weekday] || ""};
    return pattern.replace(/\{(\w+)\}/g, function (_, k) { return k in values ? values[k] : ""; });
  }

  window.MaeulDates = {format: format, fromCatalogue: FROM_CATALOGUE};
}());
