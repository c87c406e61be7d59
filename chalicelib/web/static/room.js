// Maeul consultation room: the message thread (polling), video by WebRTC (signalling through
// the API), the phone details and, for the attorney, the outcome form. No storage, no inline code.
"use strict";
(function () {
  const root = document.getElementById("room");
  if (!root || !root.dataset.consultation) return;
  const cid = root.dataset.consultation;
  const lang = root.dataset.lang || "ko";
  const S = JSON.parse(document.getElementById("room-strings").textContent);
  const base = "/api/consultations/" + encodeURIComponent(cid);
  const $ = (id) => document.getElementById(id);
  const state = { since: null, seen: new Set(), side: null, readByOther: null, closed: false, room: null };
  const MESSAGE_POLL_MS = 1500, SIGNAL_POLL_MS = 1000, CONNECT_TIMEOUT_MS = 45000;

  function csrf() {
    const prefix = ((document.querySelector("meta[name=csrf-cookie]") || {}).content || "__Host-csrf") + "=";  // named by the page
    const found = document.cookie.split("; ").find((c) => c.startsWith(prefix));
    return found ? decodeURIComponent(found.slice(prefix.length)) : "";
  }

  async function api(method, path, body) {
    const headers = { "Accept": "application/json" };
    if (method !== "GET") headers["X-CSRF-Token"] = csrf();
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(path, { method, headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body) });
    let data = null;
    try { data = await res.json(); } catch (e) { data = null; }
    return { status: res.status, data };
  }

  function say(id, text) { const el = $(id); if (el) el.textContent = text || ""; }
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, (_, k) => (k in values ? values[k] : ""));
  }
  function when(iso) {
    if (!iso) return "";
    const written = window.MaeulDates && MaeulDates.format(iso, lang, S, "full");
    if (written) return written;
    const d = new Date(iso);
    return d.toLocaleString(lang === "en" ? "en-GB" : (lang.indexOf("ko") === 0 ? "ko-KR" : lang),
      { timeZone: "Asia/Seoul", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  }

  // --- messages -------------------------------------------------------------------------------

  function renderMessage(m) {
    const li = document.createElement("li");
    li.className = "message " + (m.mine ? "mine" : "theirs");
    li.dataset.id = m.id;
    li.dataset.cursor = m.cursor;
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = m.mine ? S.mine : (m.side === "attorney" ? S.theirs_attorney : S.theirs_resident);
    const text = document.createElement("p");
    text.className = "text";
    // A translated message: the other side reads the machine translation first (labelled), the
    // original one tap away; the writer reads what they wrote, the translation sent one tap away.
    const t = m.translation;
    const theirsTranslated = t && !m.mine;
    text.textContent = theirsTranslated ? t.text : m.text;  // never innerHTML: messages are untrusted text
    if (theirsTranslated) text.lang = t.target === "ko-x-easy" ? "ko" : t.target;
    else if (t) text.lang = t.source === "ko-x-easy" ? "ko" : t.source;
    const extra = [];
    if (t) {
      const label = document.createElement("span");
      label.className = "mt-label";
      label.textContent = m.mine ? S.mt_sent_as : S.mt_label;
      const details = document.createElement("details");
      details.className = "mt-other";
      const summary = document.createElement("summary");
      summary.textContent = m.mine ? S.mt_label : S.mt_original;
      const other = document.createElement("p");
      other.className = m.mine ? "translation" : "original";
      other.textContent = m.mine ? t.text : m.text;
      other.lang = m.mine ? t.target : t.source;
      if (other.lang === "ko-x-easy") other.lang = "ko";
      details.append(summary, other);
      extra.push(label, details);
    } else if (m.untranslated) {
      const note = document.createElement("span");
      note.className = "mt-label untranslated";
      note.textContent = m.untranslated === "unsupported" ? S.mt_unsupported : S.mt_unavailable;
      extra.push(note);
    }
    const meta = document.createElement("span");
    meta.className = "meta";
    const time = document.createElement("time");
    time.dateTime = m.sent_at;
    time.textContent = when(m.sent_at);
    meta.appendChild(time);
    if (m.mine) {
      const read = document.createElement("span");
      read.className = "read";
      meta.appendChild(read);
    }
    li.append(who, text, ...extra, meta);
    return li;
  }

  function addMessages(items) {
    const list = $("thread");
    for (const m of items) {
      if (state.seen.has(m.id)) continue;
      state.seen.add(m.id);
      list.appendChild(renderMessage(m));
    }
    const empty = list.querySelector(".empty");
    if (empty && state.seen.size) empty.remove();
    markReceipts();
  }

  function markReceipts() {
    for (const li of document.querySelectorAll("#thread li.mine")) {
      const read = li.querySelector(".read");
      if (read) read.textContent = state.readByOther && li.dataset.cursor <= state.readByOther ? " · " + S.read : "";
    }
  }

  async function pollMessages() {
    const q = state.since ? "?since=" + encodeURIComponent(state.since) : "";
    const res = await api("GET", base + "/messages" + q);
    if (res.status === 200) {
      addMessages(res.data.items);
      if (res.data.next) state.since = res.data.next;
      state.readByOther = res.data.read_by_other;
      markReceipts();
      say("unread", res.data.unread ? fill(S.unread, { count: res.data.unread }) : "");
      if (res.data.closed && !state.closed) closeThread();
    }
    return res.status;
  }

  function closeThread() {
    state.closed = true;
    const form = $("send-form");
    for (const el of form.querySelectorAll("textarea, button")) el.disabled = true;
    say("send-error", S.closed);
  }

  function startMessages() {
    $("messages").hidden = false;
    const empty = document.createElement("li");
    empty.className = "empty";
    empty.textContent = S.empty;
    $("thread").appendChild(empty);
    $("send-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const box = $("message-text");
      const text = box.value.trim();
      if (!text || state.closed) return;
      say("send-error", "");
      const res = await api("POST", base + "/messages", { text });
      if (res.status === 201) {
        box.value = "";
        addMessages([res.data]);
      } else {
        say("send-error", (res.data && res.data.error && res.data.error.message) || S.send_failed);
        if (res.status === 409 && res.data && res.data.error.code === "thread_closed") closeThread();
      }
    });
    const loop = async () => {
      try { await pollMessages(); } catch (e) { /* network hiccup: try again */ }
      setTimeout(loop, MESSAGE_POLL_MS);
    };
    loop();
  }

  // --- video ------------------------------------------------------------------------------------

  const video = { pc: null, since: null, pending: [], timer: null, polling: false, stream: null };
  window.maeulRoom = video;  // for diagnostics (and the browser tests): the peer connection

  function videoFallback(message) {
    say("video-status", message);
    $("video").classList.add("failed");
    $("message-text").focus();
  }

  async function sendSignal(type, data) {
    const res = await api("POST", base + "/signal", { type, data });
    if (res.status === 409 && res.data && res.data.error.code === "room_closed") {
      videoFallback(res.data.error.message);
    }
    return res.status;
  }

  function newPeer() {
    const pc = new RTCPeerConnection({ iceServers: state.room.ice_servers || [] });
    pc.onicecandidate = (e) => { if (e.candidate) sendSignal("candidate", e.candidate.toJSON()); };
    pc.ontrack = (e) => {
      const remote = $("remote-video");
      if (remote.srcObject !== e.streams[0]) remote.srcObject = e.streams[0];
    };
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === "connected") {
        clearTimeout(video.timer);
        say("video-status", S.video_connected);
      } else if (pc.connectionState === "failed") {
        videoFallback(S.video_failed);
      }
    };
    for (const track of video.stream.getTracks()) pc.addTrack(track, video.stream);
    video.pc = pc;
    window.maeulRoom = video;
    return pc;
  }

  async function handleSignal(s) {
    let pc = video.pc;
    if (s.type === "offer" && state.side === "attorney") {
      if (pc && pc.signalingState !== "stable") { pc.close(); pc = null; }
      if (pc && pc.remoteDescription) { pc.close(); pc = null; }  // the resident started again
      pc = pc || newPeer();
      await pc.setRemoteDescription(s.data);
      for (const c of video.pending.splice(0)) await pc.addIceCandidate(c).catch(() => {});
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      await sendSignal("answer", { type: answer.type, sdp: answer.sdp });
    } else if (s.type === "answer" && state.side === "resident" && pc && pc.signalingState === "have-local-offer") {
      await pc.setRemoteDescription(s.data);
      for (const c of video.pending.splice(0)) await pc.addIceCandidate(c).catch(() => {});
    } else if (s.type === "candidate" && s.data) {
      if (pc && pc.remoteDescription) await pc.addIceCandidate(s.data).catch(() => {});
      else video.pending.push(s.data);
    }
  }

  async function pollSignals() {
    const q = video.since ? "?since=" + encodeURIComponent(video.since) : "";
    const res = await api("GET", base + "/signal" + q);
    if (res.status === 200) {
      const items = res.data.items;  // a newer offer replaces an older one (see handleSignal)
      if (res.data.next) video.since = res.data.next;
      for (const s of items) {
        try { await handleSignal(s); } catch (e) { /* a stale signal: ignore */ }
      }
    } else if (res.status === 409) {
      videoFallback(res.data.error.message);
      return false;
    }
    return true;
  }

  async function startVideo() {
    $("video-start").disabled = true;
    if (!window.RTCPeerConnection || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      videoFallback(S.video_unsupported);
      return;
    }
    try {
      video.stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
    } catch (e) {
      videoFallback(S.video_no_camera);
      $("video-start").disabled = false;
      return;
    }
    $("local-video").srcObject = video.stream;
    say("video-status", S.video_waiting);
    video.timer = setTimeout(() => {
      if (!video.pc || video.pc.connectionState !== "connected") videoFallback(S.video_failed);
    }, CONNECT_TIMEOUT_MS);
    if (state.side === "resident") {
      // skip whatever an earlier attempt left behind, then offer
      const first = await api("GET", base + "/signal");
      if (first.status === 200) video.since = first.data.next;
      else if (first.status === 409) { videoFallback(first.data.error.message); return; }
      const pc = newPeer();
      const offer = await pc.createOffer();
      await pc.setLocalDescription(offer);
      await sendSignal("offer", { type: offer.type, sdp: offer.sdp });
    }
    const loop = async () => {
      let again = true;
      try { again = await pollSignals(); } catch (e) { /* try again */ }
      if (again && !(video.pc && video.pc.connectionState === "connected")) setTimeout(loop, SIGNAL_POLL_MS);
      else if (again) setTimeout(loop, SIGNAL_POLL_MS * 5);  // connected: only watch for restarts
    };
    loop();
  }

  function setupVideo(room) {
    $("video").hidden = false;
    if (!window.RTCPeerConnection) { videoFallback(S.video_unsupported); $("video-start").disabled = true; return; }
    if (!room.open) {
      say("video-status", room.opens_at ? fill(S.video_opens, { when: when(room.opens_at) }) : S.video_failed);
      $("video-start").disabled = true;
      return;
    }
    $("video-start").addEventListener("click", startVideo);
  }

  // --- phone, outcome -------------------------------------------------------------------------

  // +821023456789 -> 010-2345-6789 (as people write it); the tel: link keeps the full number
  function phoneForPeople(value) {
    let digits = String(value || "").replace(/[^0-9+]/g, "");
    if (digits.startsWith("+82")) digits = "0" + digits.slice(3);
    if (!/^0\d{8,10}$/.test(digits)) return String(value || "");
    const head = digits.startsWith("02") ? 2 : 3;
    return digits.slice(0, head) + "-" + digits.slice(head, digits.length - 4) + "-" + digits.slice(-4);
  }

  function setupPhone(room) {
    $("phone").hidden = false;
    const p = $("phone-text");
    if (room.side === "attorney" && room.phone) {
      p.textContent = S.phone_attorney + " ";
      const a = document.createElement("a");
      a.href = "tel:" + room.phone;
      a.className = "nowrap";
      a.textContent = phoneForPeople(room.phone);
      p.appendChild(a);
    } else if (room.side === "resident") {
      p.textContent = room.call_at ? fill(S.phone_resident_at, { when: when(room.call_at) }) : S.phone_resident_soon;
    }
  }

  function setupOutcome(room) {
    if (room.side !== "attorney" || room.outcome || ["completed", "cancelled", "expired", "withdrawn"].includes(room.status)) return;
    $("outcome").hidden = false;
    // closing cannot be undone: asked first, with the console's wording
    $("outcome-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const select = $("outcome-select");
      $("outcome-question").firstChild.textContent =
        fill(S.close_question, { outcome: select.options[select.selectedIndex].text });
      $("outcome-confirm").hidden = false;
      $("outcome-question").focus();
    });
    $("outcome-no").addEventListener("click", () => { $("outcome-confirm").hidden = true; $("outcome-select").focus(); });
    $("outcome-yes").addEventListener("click", async () => {
      $("outcome-confirm").hidden = true;
      const note = $("outcome-note").value.trim();
      const body = { outcome: $("outcome-select").value };
      if (note) body.note = note;
      const res = await api("POST", "/api/attorney/consultations/" + encodeURIComponent(cid) + "/outcome", body);
      if (res.status === 201) {
        say("outcome-status", S.outcome_saved);
        $("outcome-form").querySelector("button").disabled = true;
        closeThread();
      } else {
        say("outcome-status", (res.data && res.data.error && res.data.error.message) || "");
      }
    });
  }

  async function start() {
    const res = await api("GET", base + "/room");
    if (res.status === 401) { say("room-status", S.signin); return; }
    if (res.status === 403) {  // admins: the thread only (reads are access-logged)
      say("room-status", "");
      startMessages();
      $("send-form").hidden = true;
      return;
    }
    if (res.status !== 200) { say("room-status", S.not_found); return; }
    const room = res.data;
    state.room = room;
    state.side = room.side;
    // a way back to where the person came from
    const back = $(room.side === "attorney" ? "back-attorney" : "back-resident");
    if (back) { back.hidden = false; $("room-back").hidden = false; }
    say("room-status", "");
    startMessages();
    if (room.method === "video") setupVideo(room);
    if (room.method === "phone") setupPhone(room);
    setupOutcome(room);
  }

  start();
})();
