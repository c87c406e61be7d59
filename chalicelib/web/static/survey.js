// Maeul survey: sends the rating with the CSRF header; nothing is stored in the browser.
"use strict";
(function () {
  var form = document.getElementById("survey");
  if (!form) { return; }
  function csrf() {
    var prefix = ((document.querySelector("meta[name=csrf-cookie]") || {}).content || "__Host-csrf") + "=";  // named by the page
    var found = document.cookie.split("; ").find(function (c) { return c.indexOf(prefix) === 0; });
    return found ? decodeURIComponent(found.slice(prefix.length)) : "";
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var data = new FormData(form);
    var body = {rating: Number(data.get("rating"))};
    var comment = (data.get("comment") || "").trim();
    if (comment) { body.comment = comment; }
    var result = document.getElementById("survey-result");
    fetch("/api/consultations/" + encodeURIComponent(form.dataset.consultation) + "/survey", {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf()}, body: JSON.stringify(body)
    }).then(function (resp) {
      result.textContent = resp.ok || resp.status === 409 ? form.dataset.thanks : form.dataset.failed;
      if (resp.ok) { form.querySelector("button").disabled = true; }
    }, function () { result.textContent = form.dataset.failed; });
  });
})();
