// Maeul documents: a form from the API, the file straight to the bucket (with progress), the check,
// then thumbnails and a viewer. Nothing is kept in browser storage; no file name goes into a URL.
"use strict";
(function () {
  var section = document.getElementById("documents");
  if (!section) { return; }
  var S = JSON.parse(document.getElementById("documents-strings").textContent);
  var maxBytes = Number(section.dataset.maxBytes), maxMb = section.dataset.maxMb, maxFiles = section.dataset.maxFiles;
  var KINDS = {jpg: "image/jpeg", jpeg: "image/jpeg", png: "image/png", heic: "image/heic", heif: "image/heic",
               pdf: "application/pdf"};
  var DECLARED = {"image/jpeg": 1, "image/jpg": 1, "image/png": 1, "image/heic": 1, "image/heif": 1,
                  "application/pdf": 1};

  function fill(text, values) {
    Object.keys(values || {}).forEach(function (k) { text = text.split("{" + k + "}").join(String(values[k])); });
    return text;
  }
  function say(key, name) { return fill(S[key] || S.err_failed, {name: name || "", max_mb: maxMb, max_files: maxFiles}); }
  function node(tag, attrs, kids) {
    var n = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { n.textContent = attrs[k]; } else { n.setAttribute(k, attrs[k]); }
    });
    (kids || []).forEach(function (c) { if (c) { n.appendChild(c); } });
    return n;
  }
  function csrf() {
    var found = document.cookie.split("; ").find(function (c) { return c.indexOf("csrf=") === 0; });
    return found ? decodeURIComponent(found.slice(5)) : "";
  }
  async function api(method, path, body) {
    var init = {method: method, credentials: "same-origin", headers: {Accept: "application/json"}};
    if (method !== "GET") { init.headers["X-CSRF-Token"] = csrf(); }
    if (body !== undefined) { init.headers["Content-Type"] = "application/json"; init.body = JSON.stringify(body); }
    try {
      var r = await fetch(path, init);
      var data = null;
      try { data = await r.json(); } catch (e) { data = null; }
      return {status: r.status, ok: r.ok, data: data};
    } catch (e) { return {status: 0, ok: false, data: null}; }
  }

  function kindOf(file) {
    var declared = (file.type || "").toLowerCase();
    if (DECLARED[declared]) { return declared === "image/jpg" ? "image/jpeg" : declared === "image/heif" ? "image/heic" : declared; }
    var ext = (file.name.split(".").pop() || "").toLowerCase();
    return KINDS[ext] || declared || "application/octet-stream";
  }

  var errorLine = document.getElementById("documents-error");
  var progressList = document.getElementById("documents-progress");
  function showError(text) { if (errorLine) { errorLine.textContent = text; } }

  // One file: ask for a form, send the bytes to the bucket, ask for the check. Resolves to the result.
  async function upload(consultationId, file) {
    var name = file.name || "photo.jpg";
    var kind = kindOf(file);
    if (!DECLARED[kind]) { showError(say("err_type", name)); return null; }
    if (file.size > maxBytes) { showError(say("err_size", name)); return null; }
    var row = node("li", {class: "documents-row"});
    var label = node("span", {text: say("uploading", name)});
    var bar = node("progress", {max: "100", value: "0", "aria-label": say("uploading", name)});
    row.appendChild(label); row.appendChild(bar);
    if (progressList) { progressList.appendChild(row); }
    var base = "/api/consultations/" + encodeURIComponent(consultationId) + "/attachments";
    var made = await api("POST", base, {filename: name, content_type: kind, size: file.size});
    if (!made.ok) {
      row.remove();
      var code = made.data && made.data.error && made.data.error.code;
      showError(code === "attachment_type_not_allowed" ? say("err_type", name) :
                code === "attachment_too_large" ? say("err_size", name) :
                code === "too_many_attachments" ? say("err_count", name) :
                code === "consultation_closed" ? say("err_closed", name) :
                (made.data && made.data.error && made.data.error.message) || say("err_failed", name));
      return null;
    }
    var sent = await new Promise(function (resolve) {
      var form = new FormData();
      Object.keys(made.data.upload.fields).forEach(function (k) { form.append(k, made.data.upload.fields[k]); });
      form.append("file", file);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", made.data.upload.url);
      xhr.upload.onprogress = function (e) { if (e.lengthComputable) { bar.value = Math.round(100 * e.loaded / e.total); } };
      xhr.onload = function () { resolve(xhr.status >= 200 && xhr.status < 300); };
      xhr.onerror = function () { resolve(false); };
      xhr.send(form);
    });
    if (!sent) { row.remove(); showError(say("err_upload", name)); return null; }
    bar.value = 100;
    label.textContent = say("checking", name);
    var checked = await api("POST", base + "/" + encodeURIComponent(made.data.id) + "/confirm");
    row.remove();
    if (!checked.ok) { showError(say("err_failed", name)); return null; }
    if (checked.data.status === "rejected") { showError(say("err_" + checked.data.reason, name)); return checked.data; }
    showError("");
    if (progressList) { progressList.appendChild(node("li", {class: "documents-done", text: say("ready", name)})); }
    return checked.data;
  }

  var viewer = document.getElementById("documents-viewer");
  var viewerImage = document.getElementById("documents-viewer-image");
  function openImage(item) {
    viewerImage.src = item.url;
    viewerImage.alt = item.filename || "";
    if (viewer.showModal) { viewer.showModal(); } else { window.open(item.url, "_blank", "noopener"); }
  }
  if (viewer) {
    viewer.addEventListener("close", function () { viewerImage.removeAttribute("src"); });
    document.getElementById("documents-viewer-close").addEventListener("click", function () { viewer.close(); });
  }

  async function refresh() {
    var id = section.dataset.consultation;
    if (!id) { return; }
    var r = await api("GET", "/api/consultations/" + encodeURIComponent(id) + "/attachments");
    var list = document.getElementById("documents-list");
    list.textContent = "";
    if (r.status === 404) { section.hidden = true; return; }  // not one of the consultation's two parties
    if (!r.ok) { return; }
    var shown = r.data.items.filter(function (d) { return d.status === "ready" || d.mine; });
    document.getElementById("documents-empty").hidden = shown.length > 0;
    shown.forEach(function (d) {
      var who = d.side === "attorney" ? S.from_attorney : S.from_resident;
      var name = d.filename || "";
      var item = node("li", {class: "documents-item", "data-status": d.status, "data-type": d.type || ""});
      if (d.status === "ready") {
        var preview = d.thumbnail_url ? node("img", {src: d.thumbnail_url, alt: name, class: "documents-thumb"})
                                      : node("span", {class: "documents-pdf", text: S.pdf, "aria-hidden": "true"});
        var open = d.type === "application/pdf"
          ? node("a", {href: d.url, target: "_blank", rel: "noopener", class: "documents-open"}, [preview, node("span", {text: name})])
          : node("button", {type: "button", class: "documents-open"}, [preview, node("span", {text: name})]);
        if (d.type !== "application/pdf") { open.addEventListener("click", function () { openImage(d); }); }
        item.appendChild(open);
      } else {
        item.appendChild(node("span", {text: name + " · " + (d.status === "rejected" ? S.rejected : S.pending)}));
      }
      item.appendChild(node("small", {text: who}));
      list.appendChild(item);
    });
  }

  async function uploadAll(consultationId, files) {
    var results = [];
    for (var i = 0; i < files.length; i++) { results.push(await upload(consultationId, files[i])); }
    return results;
  }

  // The intake form hands over the files chosen before the request existed.
  var chosen = [];
  function picked(input) {
    var files = Array.prototype.slice.call(input.files || []);
    input.value = "";
    if (!files.length) { return; }
    showError("");
    var id = section.dataset.consultation;
    if (!id) {  // intake: keep them until the request is sent
      files.forEach(function (f) {
        var kind = kindOf(f);
        if (!DECLARED[kind]) { showError(say("err_type", f.name)); return; }
        if (f.size > maxBytes) { showError(say("err_size", f.name)); return; }
        if (chosen.length >= Number(maxFiles)) { showError(say("err_count", f.name)); return; }
        chosen.push(f);
        progressList.appendChild(node("li", {class: "documents-chosen", text: f.name}));
      });
      return;
    }
    uploadAll(id, files).then(refresh);
  }
  ["documents-camera", "documents-file"].forEach(function (inputId) {
    var input = document.getElementById(inputId);
    if (input) { input.addEventListener("change", function () { picked(input); }); }
  });

  window.MaeulDocuments = {
    chosen: function () { return chosen.slice(); },
    sendChosen: async function (consultationId) {
      if (progressList) { progressList.textContent = ""; }
      var results = await uploadAll(consultationId, chosen);
      chosen = [];
      return results;
    },
    continueTo: function (href) {
      var link = node("a", {href: href, class: "btn primary", text: S.continue});
      if (progressList) { progressList.appendChild(node("li", {}, [link])); }
      link.focus();
    },
    show: function (consultationId) { section.dataset.consultation = consultationId; section.hidden = false; return refresh(); },
    refresh: refresh
  };
  refresh();
})();
