// The app's strip of a streamer window: stream info, connection state and the last ten events.
// Everything is pushed from the Rust core (Tauri events); nothing here polls Twitch.
import { call, closeWindow, on } from "./ipc.js";
import { eventRow, relativeTime, clockTime } from "./events.js";

const $ = (id) => document.getElementById(id);
const login = new URLSearchParams(location.search).get("login") || "";
let channelId = null;
let channelName = login;
let listeningSince = new Date().toISOString();
/** ids the user has seen (rows not in it stand out until "Mark seen") */
const seen = new Set();
let firstRender = true;

function renderHeader(h) {
  if (!h) return;
  const live = $("live");
  live.dataset.live = String(Boolean(h.live));
  live.textContent = h.live ? "● LIVE" : "OFFLINE";
  live.className = `state-chip ${h.live ? "live" : "offline"}`;
  $("stream-title").textContent = h.title || "";
  $("stream-category").textContent = h.category || "";
  $("stream-viewers").textContent =
    h.live && typeof h.viewers === "number" ? `${h.viewers.toLocaleString()} watching` : "";
  const polled = h.live_source === "polling";
  $("live-source").hidden = !polled;
  $("live-source").textContent = polled ? "Live status checked every few minutes (EventSub budget full)" : "";
}

let lastConnection = null;
let countdown = null;
function renderConnection(c) {
  const el = $("connection");
  if (!c) return;
  lastConnection = c;
  // "reconnecting in N s" counts down once a second, only while reconnecting.
  if (c.state === "reconnecting" && !countdown) {
    countdown = setInterval(() => renderConnection(lastConnection), 1000);
  } else if (c.state !== "reconnecting" && countdown) {
    clearInterval(countdown);
    countdown = null;
  }
  el.className = `conn-chip ${c.state}`;
  el.dataset.state = c.state;
  let text;
  switch (c.state) {
    case "connected": text = "⟳ connected"; break;
    case "connecting": text = "connecting…"; break;
    case "reconnecting": {
      const s = c.next_try_at ? Math.max(0, Math.round((Date.parse(c.next_try_at) - Date.now()) / 1000)) : null;
      text = s === null ? "reconnecting…" : `reconnecting in ${s} s`;
      break;
    }
    case "failed": text = `failed: ${c.reason || "unknown"}`; break;
    case "idle": text = "idle"; break;
    default: text = c.state;
  }
  el.textContent = text;
  el.title = c.reason || "EventSub connection";
}

function renderAuth(a) {
  if (!a) return;
  $("auth").textContent = a.state === "signed_in" ? `as ${a.display_name || a.login}` :
    a.state === "expired" ? "login expired — sign in again from the home window" :
    a.state === "signed_out" ? "not signed in" : "";
}

function renderEvents(events) {
  const list = $("events");
  const rows = events.map((ev) => {
    const li = eventRow(ev);
    if (firstRender) seen.add(ev.id);
    else if (!seen.has(ev.id) && ev.kind !== "gap") li.classList.add("unseen");
    return li;
  });
  // Keep existing DOM nodes for rows that did not change, so only new rows animate in.
  const old = new Map([...list.children].map((li) => [li.dataset.id, li]));
  const next = rows.map((li) => {
    const prev = old.get(li.dataset.id);
    if (prev) {
      prev.classList.toggle("unseen", li.classList.contains("unseen"));
      return prev;
    }
    return li;
  });
  list.replaceChildren(...next);
  firstRender = false;
  const empty = $("events-empty");
  empty.hidden = events.length > 0;
  empty.textContent = `Listening for events on ${channelName} since ${clockTime(listeningSince)}`;
  list.dataset.count = String(events.length);
}

function tick() {
  for (const t of document.querySelectorAll(".event-time")) t.textContent = relativeTime(t.dateTime);
}

function showError(e) {
  const p = $("panel-error");
  p.hidden = !e;
  p.textContent = e ? e.message : "";
}

$("mark-seen").addEventListener("click", () => {
  for (const li of $("events").children) {
    seen.add(li.dataset.id);
    li.classList.remove("unseen");
  }
});

async function start() {
  $("channel-name").textContent = login;
  document.title = login;
  await on("feed", (p) => { if (p.channel_login === login || p.channel_id === channelId) renderEvents(p.events); });
  await on("stream_info", (p) => { if (p.channel_login === login) renderHeader(p); });
  await on("connection", renderConnection);
  await on("auth", renderAuth);
  try {
    const snap = await call("streamer_snapshot", { login });
    channelId = snap.channel.id;
    channelName = snap.channel.display_name || login;
    listeningSince = snap.listening_since || listeningSince;
    $("channel-name").textContent = channelName;
    document.title = channelName;
    $("sim-badge").hidden = !snap.simulated;
    renderHeader(snap.header);
    renderConnection(snap.connection);
    renderAuth(snap.auth);
    renderEvents(snap.events);
    document.body.dataset.ready = "true";
  } catch (e) {
    showError(e);
    document.body.dataset.ready = "error";
  }
  setInterval(tick, 20_000);
}

start();

// Ctrl+W (⌘W) closes the streamer window, as in any desktop app; closing it stops watching the
// channel (its subscriptions are removed).
document.addEventListener("keydown", (ev) => {
  if ((ev.ctrlKey || ev.metaKey) && !ev.altKey && !ev.shiftKey && ev.key.toLowerCase() === "w") {
    ev.preventDefault();
    closeWindow().catch(() => {});
  }
});
