// Maeul progressive enhancement: pages work without this file.
"use strict";
document.documentElement.classList.add("js");

// Tables reflow into one card per row on narrow screens (app.css): every cell carries its column's
// header as data-label, also for rows the pages' scripts add later.
(function () {
  function label(table) {
    var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    });
    if (!heads.length) { return; }
    table.classList.add("reflow");
    Array.prototype.forEach.call(table.querySelectorAll("tbody tr"), function (row) {
      Array.prototype.forEach.call(row.children, function (cell, i) {
        if (heads[i] && cell.tagName === "TD" && !cell.hasAttribute("data-label")) {
          cell.setAttribute("data-label", heads[i]);
        }
      });
    });
  }
  function all() { Array.prototype.forEach.call(document.querySelectorAll("table"), label); }
  document.addEventListener("DOMContentLoaded", function () {
    all();
    new MutationObserver(all).observe(document.body, {childList: true, subtree: true});
  });
}());
