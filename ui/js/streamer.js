// The app's strip of a streamer window: stream info, connection state and the last ten events.
// Everything is pushed from the Rust core (Tauri events); nothing here polls Twitch.
import { call, closeWindow, markPainted, on } from "./ipc.js";
import { eventRow, relativeTime, msUntilRelativeChange, clockTime } from "./events.js";
import { AMOUNTS, FeedView, KindLooks, Panel, connectionNote } from "./panel.js";
import { Announcer } from "./announce.js";

const $ = (id) => document.getElementById(id);
const login = new URLSearchParams(location.search).get("login") || "";
let channelName = login;
let listeningSince = new Date().toISOString();

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
  const note = connectionNote(c);
  $("conn-notice").hidden = !note;
  $("conn-notice").textContent = note || "";
}

function renderAuth(a) {
  if (!a) return;
  // While turning the moderator view on asks Twitch for its scopes: the login's steps (with the
  // device code to enter on Twitch's page, for the built-in application) under the switch.
  if (askingModeration && a.state === "signing_in" && a.progress) {
    const p = a.progress;
    $("moderator-view-note").textContent = p.user_code ? `${p.message} Code: ${p.user_code}` : p.message;
  }
  $("auth").textContent = a.state === "signed_in" ? `as ${a.display_name || a.login}` :
    a.state === "expired" ? "login expired — sign in again from the home window" :
    a.state === "signed_out" ? "not signed in" : "";
}

// ---- Events list and controls: filter, mute, seen mark, pause (docs/ui.md "Recent events"). -
// The choices live in the settings, per channel (`feed_prefs_get` / `feed_prefs_set`); the
// panel applies them to the channel's ten most recent events that the core keeps. What shows,
// what is hidden and what is new is worked out by `Panel` (panel.js, no DOM); this draws it.

const panel = new Panel();
/** How each kind is drawn: the core's kind table, from the snapshot. */
let looks = new KindLooks();
/** Rows shown at load (restored from disk) do not slide in; later ones do. */
let renderedOnce = false;
/** How long a new row's slide-in lasts (`.event.enter` in streamer.css). */
const SLIDE_MS = 260;
/** When rows last came in (performance.now()). */
let lastArrival = -Infinity;
/** The ids of the rows (shown or hidden) at the last render: any other row is news. */
let known = new Set();
const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
/** New rows for screen readers: one sentence at most once a second (announce.js). */
const announcer = new Announcer();
let announceTimer = null;

/** Says the new rows that wait, now or when the last announcement is a second old. */
function announce(summaries) {
  const wait = announcer.add(summaries, performance.now());
  if (wait === null || announceTimer !== null) return;
  announceTimer = setTimeout(() => {
    announceTimer = null;
    const text = announcer.take(performance.now());
    if (text) $("events-announce").textContent = text;
    if (announcer.wait(performance.now()) !== null) announce([]);
  }, wait);
}

/** Saves one change; saves run one after another so they apply in click order. The saved
 * choices replace the shown ones only once no other change is on its way (no flicker back). */
let saving = Promise.resolve();
let pending = 0;
function savePrefs(change) {
  pending += 1;
  saving = saving.then(async () => {
    try {
      const r = await call("feed_prefs_set", { change });
      pending -= 1;
      if (pending === 0) panel.view = new FeedView(r.groups, r.prefs);
      showError(null);
    } catch (e) {
      pending -= 1;
      showError(e);
      await loadPrefs().catch(() => {});
    }
    renderEvents();
    if (!$("filter-menu").hidden) buildMenu();
  });
  return saving;
}

async function loadPrefs() {
  const r = await call("feed_prefs_get");
  panel.view = new FeedView(r.groups, r.prefs);
  if (r.warning) showError({ message: r.warning });
}

/** Applies a change at once (the save follows). */
function change(c) {
  panel.view = panel.view.with(c);
  renderEvents();
  buildMenu();
  return savePrefs(c);
}

function renderEvents(events) {
  const st = panel.update(events);
  const { rows: source, parts, paused } = st;
  const list = $("events");
  const old = new Map([...list.children].map((li) => [li.dataset.id, li]));
  let added = false;
  /** The summaries of the rows new to the screen, top to bottom, for screen readers. */
  const arrived = [];
  // New rows slide in as they come; in a flood (new rows again before the last slide ended)
  // they simply appear: ten slides a second are noise, and every frame of a slide is a repaint
  // of the panel (the web process's CPU and memory during bursts, docs/bench-log.md, session 4).
  const now = performance.now();
  const calm = now - lastArrival >= SLIDE_MS;
  const next = parts.shown.map((ev) => {
    // Keep the DOM nodes of rows already shown, so only new rows animate in.
    let li = old.get(ev.id);
    if (!li) {
      // Only rows new to the screen slide in: re-inserting a kept row must not replay it.
      li = eventRow(ev, looks.look(ev.kind));
      // A row shown again (filter cleared, unmuted) is not news: it appears without fuss.
      if (renderedOnce && !known.has(ev.id)) {
        if (calm) {
          li.classList.add("enter");
          li.addEventListener("animationend", () => li.classList.remove("enter"), { once: true });
        }
        added = true;
        arrived.push(ev.summary || "");
      }
    }
    li.classList.toggle("unseen", st.unseen.has(ev.id));
    return li;
  });
  list.replaceChildren(...next);
  renderedOnce = true;
  known = new Set(source.map((ev) => ev.id));
  if (added) lastArrival = now;
  // While paused the list stays still and the paused status line counts what came in instead.
  if (paused) announcer.clear();
  else if (arrived.length) announce(arrived);
  if (added && !paused) {
    list.scrollTo({ top: 0, behavior: reducedMotion.matches || !calm ? "auto" : "smooth" });
  }
  list.dataset.count = String(next.length);

  const unseen = st.unseen.size;
  $("unseen-count").hidden = unseen === 0;
  $("unseen-count").textContent = String(unseen);
  $("mark-seen").disabled = unseen === 0;
  // The name starts with what the button shows ("Seen", the count), as a speech user says it.
  $("mark-seen").setAttribute("aria-label", unseen ? `Seen ${unseen}: mark ${unseen} new events as seen` : "Seen: no new events");

  // Say what is hidden.
  const showAll = $("show-all");
  showAll.hidden = !st.filterOn;
  showAll.textContent = st.showAllText;
  const mutedNote = $("muted-note");
  mutedNote.hidden = st.mutedLabels.length === 0;
  mutedNote.textContent = st.mutedNote;
  $("filter-button").dataset.active = String(st.choicesActive);
  $("feed-status").dataset.filtered = String(parts.filtered.length);
  $("feed-status").dataset.muted = String(parts.muted.length);

  const empty = $("events-empty");
  empty.hidden = next.length > 0;
  empty.textContent = st.allHiddenText ??
    `Listening for events on ${channelName} since ${clockTime(listeningSince)}`;
  empty.dataset.hidden = String(st.hiddenCount);

  // Paused: the list stays as it was; a pill counts what came in.
  const pause = $("pause");
  pause.setAttribute("aria-pressed", String(paused));
  // The visible word follows the state; the accessible name stays (a toggle's state is
  // aria-pressed, so a screen reader says "Pause auto-scroll, pressed").
  pause.textContent = paused ? "\u25B6 Resume" : "\u275A\u275A Pause";
  pause.title = paused ? "Auto-scroll is paused — resume to follow new events" : "Pause auto-scroll: new events do not move the list";
  const pill = $("new-pill");
  pill.hidden = !paused || st.fresh === 0;
  pill.textContent = st.pillText;
  pill.dataset.count = String(st.fresh);
  $("paused-status").textContent = st.pausedStatus;
  updateMenuCounts(st.groupCounts);
  tick();
}

/** Shows the newest rows (the pill, or resuming). */
function jumpToNewest() {
  panel.jumpToNewest();
  renderEvents();
  $("events").scrollTo({ top: 0, behavior: reducedMotion.matches ? "auto" : "smooth" });
}

// ---- The filter menu. ---------------------------------------------------------------------

function buildMenu() {
  const ul = $("filter-groups");
  const focused = document.activeElement && document.activeElement.id;
  ul.replaceChildren(...panel.view.menu().map((g) => {
    const muted = g.muted;
    const li = document.createElement("li");
    li.className = `filter-group${muted ? " is-muted" : ""}`;
    li.dataset.group = g.id;
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.id = `show-${g.id}`;
    box.checked = g.shown;
    box.disabled = muted;
    box.addEventListener("change", () => change(panel.view.filterChange(g.id, box.checked)));
    const name = document.createElement("span");
    name.className = "group-name";
    name.textContent = g.label;
    const count = document.createElement("span");
    count.className = "group-count";
    count.dataset.group = g.id;
    label.append(box, name, count);
    const mute = document.createElement("button");
    mute.type = "button";
    mute.id = `mute-${g.id}`;
    mute.className = "mute-toggle";
    mute.setAttribute("aria-pressed", String(muted));
    mute.setAttribute("aria-label", `Mute ${g.label}`);
    mute.title = muted ? `${g.label}: muted for this channel — click to unmute` : `Mute ${g.label}: hide and never notify for this channel`;
    mute.textContent = muted ? "Muted" : "Mute";
    mute.addEventListener("click", () => change(panel.view.muteChange(g.id, !muted)));
    li.append(label, mute);
    return li;
  }));
  buildMinimums();
  renderModeratorView();
  if (focused) document.getElementById(focused)?.focus();
  updateMenuCounts(panel.state().groupCounts);
}

/** The menu's minimum amounts: raids, cheers, gift bombs and resubs below them are hidden by
 * the filter (blank: no minimum). Saved when a field is left or Enter is pressed. */
function buildMinimums() {
  const mins = panel.view.prefs.minimums;
  $("filter-minimums").replaceChildren(...AMOUNTS.map(({ key, label, unit }) => {
    const row = document.createElement("label");
    row.className = "minimum";
    const name = document.createElement("span");
    name.textContent = label;
    const input = document.createElement("input");
    input.type = "number";
    input.min = "1";
    input.step = "1";
    input.id = `min-${key}`;
    input.placeholder = "any";
    input.value = mins[key] ? String(mins[key]) : "";
    input.addEventListener("change", () => {
      const n = Number.parseInt(input.value, 10);
      change(panel.view.minimumChange(key, Number.isFinite(n) ? n : 0));
    });
    const u = document.createElement("span");
    u.className = "muted";
    u.textContent = unit;
    row.append(name, input, u);
    return row;
  }));
}

// ---- The moderator view (docs/ui.md "Moderator view"). -----------------------------------
// Where the user moderates the channel or is its broadcaster, the filter menu has a switch: on,
// the core subscribes to what a moderator acts on and the "Moderation" group's rows show. Turning
// it on the first time starts a login that asks Twitch for the moderation scopes.

/** The user's role in this channel, from the snapshot. */
let role = "viewer";
/** Turning the moderator view on is waiting for its login. */
let askingModeration = false;

function renderModeratorView() {
  const can = role === "moderator" || role === "broadcaster";
  const on = panel.view.prefs.moderator_view;
  $("moderator-view-row").hidden = !can;
  $("moderator-view").checked = on;
  $("mod-chip").hidden = !(can && on);
}

$("moderator-view").addEventListener("change", async () => {
  const box = $("moderator-view");
  const on = box.checked;
  box.disabled = true;
  const note = $("moderator-view-note");
  const words = note.textContent;
  if (on) note.textContent = "Asking Twitch for the moderation scopes… approve them in your browser if it asks.";
  askingModeration = on;
  try {
    const r = await call("feed_moderator_view", { on });
    panel.view = new FeedView(r.groups, r.prefs);
    showError(null);
  } catch (e) {
    showError(e);
    await loadPrefs().catch(() => {});
  } finally {
    askingModeration = false;
    box.disabled = false;
    note.textContent = words;
  }
  renderEvents();
  buildMenu();
});

/** How many of the current rows each group has, next to its name. */
function updateMenuCounts(counts) {
  for (const el of document.querySelectorAll(".group-count")) {
    const n = counts.get(el.dataset.group) || 0;
    el.textContent = n ? String(n) : "";
  }
}

function openMenu(open) {
  const menu = $("filter-menu");
  const button = $("filter-button");
  if (open === !menu.hidden) return;
  menu.hidden = !open;
  button.setAttribute("aria-expanded", String(open));
  if (open) {
    buildMenu();
    const first = menu.querySelector("input:not(:disabled), button");
    if (first) first.focus();
  }
}

$("filter-button").addEventListener("click", () => openMenu($("filter-menu").hidden));
$("muted-note").addEventListener("click", () => openMenu(true));
$("filter-menu").addEventListener("keydown", (e) => {
  if (e.key === "Escape") {
    openMenu(false);
    $("filter-button").focus();
  }
});
document.addEventListener("mousedown", (e) => {
  if (!$("filter-menu").hidden && !e.target.closest("#filter-menu, #filter-button, #muted-note")) openMenu(false);
});
$("filter-menu").addEventListener("focusout", (e) => {
  if (e.relatedTarget && !e.relatedTarget.closest("#filter-menu, #filter-button")) openMenu(false);
});
// "Show all" lifts the filter and the minimums; mutes stay (they are more than a view).
$("menu-show-all").addEventListener("click", () => change({ hidden: [], minimums: {} }));
$("show-all").addEventListener("click", () => change({ hidden: [], minimums: {} }));

$("mark-seen").addEventListener("click", () => {
  const mark = panel.seenMark();
  if (mark) change({ seen: mark });
});

$("pause").addEventListener("click", () => {
  const paused = !panel.view.prefs.paused;
  if (!paused) jumpToNewest();
  else panel.freeze();
  change({ paused });
});
$("new-pill").addEventListener("click", jumpToNewest);

// The rows' "3 min ago" labels. One timer, set for the moment the first label changes; a label
// is written only when its text changes. (A fixed 20 s tick rewrote every label: WebKit replaces
// the text node even when the text is the same, so each tick repainted the panel and kept
// WebKit's frame clock running for a while — wake-ups with nothing new; BENCHMARKS.md "Idle".)
let tickTimer = null;
function tick() {
  const now = Date.now();
  let next = 3_600_000;
  for (const t of document.querySelectorAll(".event-time")) {
    const label = relativeTime(t.dateTime, now);
    if (t.textContent !== label) t.textContent = label;
    next = Math.min(next, msUntilRelativeChange(t.dateTime, now));
  }
  clearTimeout(tickTimer);
  // A little after the change, so the label is computed on its new side.
  tickTimer = setTimeout(tick, next + 20);
}

// The core signals `feed` when the rows change; the signal carries no data and the panel reads
// the rows (an IPC reply, parsed as JSON). An event with the rows in it would be a new script to
// evaluate on every change, and WebKit keeps every evaluated script in its code cache
// (docs/bench-log.md, session 4: the panel's web process grew ~15 KiB per update). One read at a
// time; a change signalled during a read is read right after it.
let reading = false;
let readAgain = false;
// Until the snapshot is shown a signal is only noted, and read after it (so an older snapshot
// never replaces newer rows).
let snapshotShown = false;
let feedSignalled = false;
async function refreshEvents() {
  if (reading) {
    readAgain = true;
    return;
  }
  reading = true;
  try {
    do {
      readAgain = false;
      // How many reads the signals caused, for the end-to-end tests (a panel reads on its own
      // channel's signals only).
      const list = $("events");
      list.dataset.reads = String(Number(list.dataset.reads || 0) + 1);
      renderEvents(await call("streamer_events"));
    } while (readAgain);
  } catch (e) {
    showError(e);
  } finally {
    reading = false;
  }
}

function showError(e) {
  const p = $("panel-error");
  p.hidden = !e;
  p.textContent = e ? e.message : "";
}

/** The codecs of a Twitch stream: H.264 Main and AAC-LC (docs/twitch.md §9, "Video"). */
const STREAM_TYPE = 'video/mp4; codecs="avc1.4d401f,mp4a.40.2"';

/**
 * Whether this web view can play Twitch's streams (the player's web process has the same
 * GStreamer); when it cannot, the notice with the command that installs the decoder shows.
 */
function checkVideo() {
  const ok = Boolean(window.MediaSource && MediaSource.isTypeSupported(STREAM_TYPE));
  document.body.dataset.video = ok ? "ok" : "missing";
  $("video-notice").hidden = ok;
}

// The explanation of the window's panes and of gap rows: shown until the user dismisses it, which
// the core remembers for every later window.
let introDismissed = false;
function renderIntro(show) {
  $("intro").hidden = introDismissed || !show;
}
$("intro-dismiss").addEventListener("click", () => {
  introDismissed = true;
  renderIntro(false);
  call("intro_dismiss").catch(showError);
});

/** Shows what a snapshot of the channel holds (header, connection, login, rows). */
function showSnapshot(snap) {
  renderIntro(snap.intro);
  if (snap.video_install) $("video-command").textContent = snap.video_install;
  channelName = snap.channel.display_name || login;
  listeningSince = snap.listening_since || listeningSince;
  $("channel-name").textContent = channelName;
  document.title = channelName;
  $("sim-badge").hidden = !snap.simulated;
  if (Array.isArray(snap.kinds)) looks = new KindLooks(snap.kinds);
  role = (snap.channel && snap.channel.role) || "viewer";
  renderModeratorView();
  renderHeader(snap.header);
  renderConnection(snap.connection);
  renderAuth(snap.auth);
  renderEvents(snap.events);
}

/**
 * Where the window's chat is (`column`, `hidden`, `over_panel`): the Chat toggle shows when the
 * window is too narrow for a chat column, pressed while the chat is over this panel.
 */
function renderChatPlace(place) {
  const toggle = $("chat-toggle");
  toggle.hidden = place === "column";
  toggle.setAttribute("aria-pressed", String(place === "over_panel"));
}

$("chat-toggle").addEventListener("click", () => {
  call("streamer_chat_toggle")
    .then((over) => $("chat-toggle").setAttribute("aria-pressed", String(over)))
    .catch(showError);
});

// The rows are on screen: Twitch's player and chat may start their (heavy) web processes now,
// not while this page is still drawing (BENCHMARKS.md "Start-up"). The core adds them anyway after
// a short while if this never comes.
let paintedSaid = false;
function painted() {
  if (paintedSaid) return;
  paintedSaid = true;
  call("streamer_painted").catch(() => {});
  // After the first paint: the first `isTypeSupported` starts GStreamer in this web process
  // (a scan of its plugin registry), which must not hold the rows back.
  setTimeout(checkVideo, 0);
}

async function start() {
  // Start-up steps, for the benchmark harness (tests/perf reads the marks).
  performance.mark("tev:script");
  $("channel-name").textContent = login;
  document.title = login;
  // The window comes with its first data (an initialisation script the core adds when it opens
  // the window, run before this module): the stored rows are in the page's first paint, with no
  // round trip (BENCHMARKS.md "Start-up"). Without it the page reads everything below first.
  const boot = window.__TEV_BOOT__;
  if (boot && boot.snapshot && boot.prefs) {
    panel.view = new FeedView(boot.prefs.groups, boot.prefs.prefs);
    showSnapshot(boot.snapshot);
    markPainted(painted);
  }
  // Drawn from here on: with the stored rows when the window brought them, else the header and
  // its "loading" state until the read below (streamer.css, `booting`).
  document.body.classList.remove("booting");
  // The listeners first, so nothing pushed after the read below is missed; then the snapshot
  // and the feed choices, read together (anything that changed since the window opened).
  await Promise.all([
    on("feed", () => (snapshotShown ? refreshEvents() : (feedSignalled = true))),
    on("stream_info", (p) => { if (p.channel_login === login) renderHeader(p); }),
    on("connection", renderConnection),
    on("auth", renderAuth),
    on("chat_place", renderChatPlace),
  ]);
  try {
    const [snap, prefsError] = await Promise.all([
      call("streamer_snapshot", { login }),
      loadPrefs().then(() => null, (e) => e),
    ]);
    // The panel still works with the default choices; say why they are not remembered.
    if (prefsError) showError(prefsError);
    showSnapshot(snap);
    snapshotShown = true;
    if (feedSignalled) refreshEvents();
    buildMenu();
    // A channel opened for the first time: what is already listed counts as seen; from now on
    // new rows stand out until marked.
    if (!panel.view.prefs.seen) {
      const mark = FeedView.newestMark(snap.events);
      if (mark) await change({ seen: mark });
    }
    await saving;
    document.body.dataset.ready = "true";
    if (!boot) markPainted(painted);
  } catch (e) {
    showError(e);
    document.body.dataset.ready = "error";
  }
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
