// Maeul: the programme's notices (holiday closures, maintenance) at the top of every page while active.
// The text is the staff's own; it is shown as text, never as markup.
"use strict";
(function () {
  var banner = document.getElementById("banner");
  if (!banner || !window.fetch) { return; }
  var lang = document.documentElement.lang === "en" ? "en" : "ko";
  fetch("/api/announcements?lang=" + lang, {credentials: "same-origin", headers: {Accept: "application/json"}})
    .then(function (r) { return r.ok ? r.json() : {items: []}; })
    .then(function (data) {
      (data.items || []).forEach(function (a) {
        var p = document.createElement("p");
        p.className = "banner-item " + a.kind;
        // KRDS critical alert: a visible label says what kind of notice it is, then the text
        var label = banner.getAttribute("data-" + a.kind);
        if (label) {
          var badge = document.createElement("span");
          badge.className = "banner-kind";
          badge.textContent = label;
          p.appendChild(badge);
          p.appendChild(document.createTextNode(" "));
        }
        p.appendChild(document.createTextNode(a.message));
        banner.appendChild(p);
      });
      banner.hidden = !banner.children.length;
    }, function () { /* no notice is better than a broken page */ });
}());
