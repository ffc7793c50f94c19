// The home window: log in (the first window of a build with a built-in Client ID; a build without
// one asks for an application first), pick a streamer — the followed channels live now first —,
// open the streamer window; the settings choose the Twitch application.
import { call, markPainted, on } from "./ipc.js";
import { OFFER_LABEL, OFFER_MEANS, keychainAfterLoginError, needsKeychainCheck, signInView } from "./signin.js";

const $ = (id) => document.getElementById(id);
let auth = null;
let settings = null;
/** Where a login would be kept (`keychain_status`); null until asked. */
let keychain = null;

function showError(el, e) {
  el.hidden = !e;
  el.textContent = e ? e.message : "";
}

// ---------------------------------------------------------------------------------------------
// App info (version, endpoints) and which panels show
async function showAppInfo() {
  const info = await call("app_info");
  $("app-version").textContent = `${info.name} ${info.version}`;
  $("app-endpoint").textContent = info.simulated ? info.twitch : "Connected to Twitch";
  $("app-endpoint").title = `EventSub: ${info.eventsub}\nHelix: ${info.helix}\nOAuth: ${info.oauth}`;
  $("sim-badge").hidden = !info.simulated;
  if (info.redirect_url) $("redirect-url").textContent = info.redirect_url;
}

/** The settings page is open (it takes the place of the other panels). */
let settingsOpen = false;

function layout() {
  const needsSetup = settings && !settings.client_id;
  const signedIn = auth && auth.state === "signed_in";
  const inSettings = settingsOpen && !needsSetup;
  // One application form: the first window's when no application is known, else the settings'.
  const form = $("app-form");
  const home = needsSetup ? $("setup") : $("own-app-slot");
  if (form.parentElement !== home) home.append(form);
  $("setup").hidden = !needsSetup;
  $("settings").hidden = !inSettings;
  $("settings-button").hidden = needsSetup;
  $("settings-button").setAttribute("aria-expanded", String(inSettings));
  $("login").hidden = needsSetup || signedIn || inSettings;
  $("picker").hidden = !signedIn || inSettings;
  $("notifications").hidden = !signedIn || inSettings;
  $("logout").hidden = !signedIn;
  renderClientSource();
  $("account-avatar").hidden = !(signedIn && auth.profile_image_url);
  $("account-name").textContent = signedIn ? auth.display_name || auth.login : "Not signed in";
  if (signedIn && auth.profile_image_url) $("account-avatar").src = auth.profile_image_url;
  document.body.dataset.auth = auth ? auth.state : "unknown";
}

// ---------------------------------------------------------------------------------------------
// Settings: which Twitch application the app uses
function renderClientSource() {
  if (!settings) return;
  const p = $("client-source");
  const source = settings.client_source;
  const id = document.createElement("span");
  id.className = "mono";
  id.textContent = settings.client_id || "";
  if (source === "built_in") {
    p.replaceChildren("The application built into Twitch Event Viewer: you log in with a code on Twitch's activation page, nothing to register.");
  } else if (source === "own") {
    p.replaceChildren("Your own application, Client ID ", id);
  } else if (source === "environment") {
    p.replaceChildren("TWITCH_CLIENT_ID sets the application for this run: Client ID ", id);
  } else {
    p.replaceChildren("No Twitch application yet.");
  }
  $("use-bundled").hidden = !(settings.built_in && source === "own");
  $("own-app").hidden = source === "environment";
}

function openSettings(open) {
  settingsOpen = open;
  showError($("settings-result"), null);
  layout();
  if (open) $("settings-close").focus();
}
$("settings-button").addEventListener("click", () => openSettings(!settingsOpen));
$("settings-close").addEventListener("click", () => openSettings(false));
document.addEventListener("keydown", (ev) => {
  if (ev.key === "Escape" && settingsOpen) openSettings(false);
});

$("use-bundled").addEventListener("click", async () => {
  $("use-bundled").disabled = true;
  try {
    settings = await call("use_built_in_client");
    $("own-app").open = false;
    openSettings(false);
  } catch (e) {
    showError($("settings-result"), e);
  } finally {
    $("use-bundled").disabled = false;
  }
});

// Setup: the user's own application (the first window of a build without a built-in one)
$("setup-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const result = $("setup-result");
  result.className = "form-result";
  result.textContent = "Checking with Twitch…";
  $("setup-save").disabled = true;
  try {
    const r = await call("setup_save", {
      clientId: $("client-id").value.trim(),
      clientSecret: $("client-secret").value || null,
    });
    $("client-secret").value = "";
    result.className = "form-result ok";
    result.textContent = r.message;
    settings = await call("settings_get");
    // From the settings: back to the login, with the new application.
    if (settingsOpen) {
      $("client-id").value = "";
      $("own-app").open = false;
      result.textContent = "";
      openSettings(false);
    }
    layout();
  } catch (e) {
    result.className = "form-result bad";
    result.textContent = e.message;
  } finally {
    $("setup-save").disabled = false;
  }
});

// ---------------------------------------------------------------------------------------------
// Log in
$("session-only-button").textContent = OFFER_LABEL;
$("session-only-means").textContent = OFFER_MEANS;

/** The error of the last login command or logout, until the login's state changes. */
let loginError = null;

/** The sign-in screen's parts that depend on where the login is kept (signin.js). */
function renderSignIn() {
  const v = signInView(auth, keychain);
  $("session-only").hidden = !v.offer;
  $("session-only-why").textContent = v.detail;
  $("run-only-note").hidden = !v.note;
  $("run-only-note").textContent = v.note || "";
  showError($("login-error"), loginError || (v.reason ? { message: v.reason } : null));
  $("account-session").hidden = !v.badge;
  $("account-session").textContent = v.badge || "";
  document.body.dataset.keychain = v.keychain;
}

let keychainSeq = 0;
/** Asks where a login would be kept now (a keychain may have come up or gone since). */
async function checkKeychain() {
  const seq = ++keychainSeq;
  try {
    const k = await call("keychain_status");
    if (seq === keychainSeq) keychain = k;
  } catch {
    // Unknown: nothing is offered, and the login's own error says what is wrong.
  }
  renderSignIn();
}

function renderAuth(a) {
  const previous = auth;
  auth = a;
  if (!previous || previous.state !== a.state) loginError = null;
  const progress = $("login-progress");
  const signingIn = a.state === "signing_in";
  progress.hidden = !signingIn;
  $("login-button").disabled = signingIn;
  if (signingIn) {
    const p = a.progress || {};
    $("login-stage").textContent = p.message || "Waiting for Twitch…";
    const hasCode = Boolean(p.user_code);
    $("device-code-box").hidden = !hasCode;
    $("device-code").textContent = p.user_code || "";
  }
  if (a.state === "signed_out" || a.state === "expired") pickerLoaded = false;
  layout();
  renderSignIn();
  if (needsKeychainCheck(previous, a)) checkKeychain();
  if (a.state === "signed_in") loadPicker();
}

/** Starts a login with `command` (`login_start`, or `login_for_this_run`). */
async function startLogin(command) {
  loginError = null;
  renderSignIn();
  try {
    await call(command, { privileged: $("role-opt-in").checked });
    if (command === "login_for_this_run") keychain = { state: "session_only" };
    renderSignIn();
  } catch (e) {
    keychain = keychainAfterLoginError(keychain, e);
    // Without a keychain the offer says it in full.
    if (e.code !== "keychain_unavailable") loginError = e;
    renderSignIn();
  }
}
$("login-button").addEventListener("click", () => startLogin("login_start"));
$("session-only-button").addEventListener("click", () => startLogin("login_for_this_run"));
$("login-cancel").addEventListener("click", () => call("login_cancel").catch(() => {}));
$("copy-code").addEventListener("click", async () => {
  try {
    await navigator.clipboard.writeText($("device-code").textContent);
    $("copy-code").textContent = "Copied";
    setTimeout(() => { $("copy-code").textContent = "Copy"; }, 1500);
  } catch {
    $("copy-code").textContent = "Select and copy";
  }
});
$("open-activation").addEventListener("click", () => call("login_open_activation").catch(() => {}));
$("logout").addEventListener("click", async () => {
  $("logout").disabled = true;
  try { await call("logout"); } catch (e) { loginError = e; renderSignIn(); }
  finally { $("logout").disabled = false; }
});

// ---------------------------------------------------------------------------------------------
// Pick a streamer
/** Display names of the channels seen in the lists (login → "NightOwl"). */
const displayNames = new Map();

function channelRow(c) {
  if (c.display_name) displayNames.set(c.login, c.display_name);
  const li = document.createElement("li");
  li.className = "channel";
  // A list item that is a tab stop (Enter opens), not an "option": it holds buttons of its own,
  // and an option may not (docs/ui.md "Accessibility").
  li.tabIndex = 0;
  li.dataset.login = c.login;
  const img = document.createElement("img");
  img.className = "avatar";
  img.width = 32; img.height = 32; img.alt = "";
  if (c.profile_image_url) img.src = c.profile_image_url;
  const main = document.createElement("span");
  main.className = "channel-main";
  const name = document.createElement("span");
  name.className = "channel-name";
  if (c.is_live) {
    const dot = document.createElement("span");
    dot.className = "live-dot";
    dot.title = "Live";
    name.append(dot);
  }
  name.append(document.createTextNode(c.display_name || c.login));
  const sub = document.createElement("span");
  sub.className = "channel-sub";
  sub.textContent = [c.is_live ? "Live" : "Offline", c.game_name, c.title].filter(Boolean).join(" · ");
  main.append(name, sub);
  li.append(img, main, ...rowButtons(c));
  li.addEventListener("keydown", (ev) => { if (ev.key === "Enter") openStreamer(c.login); });
  return li;
}

/** ☆ Favourite and Open, for a channel row or a live card. */
function rowButtons(c) {
  const fav = document.createElement("button");
  fav.type = "button";
  fav.className = "fav";
  fav.textContent = settings && settings.favourite === c.login ? "★ Favourite" : "☆ Favourite";
  fav.addEventListener("click", (ev) => { ev.stopPropagation(); chooseFavourite(c); });
  const open = document.createElement("button");
  open.type = "button";
  open.className = "primary";
  open.textContent = "Open";
  open.addEventListener("click", (ev) => { ev.stopPropagation(); openStreamer(c.login); });
  return [fav, open];
}

const viewers = new Intl.NumberFormat(undefined);

/** A followed channel live now: its stream's preview, name, category and title. */
function liveCard(c) {
  if (c.display_name) displayNames.set(c.login, c.display_name);
  const li = document.createElement("li");
  li.className = "live-card";
  li.tabIndex = 0;
  li.dataset.login = c.login;
  const thumb = document.createElement("div");
  thumb.className = "live-thumb";
  if (c.thumbnail_url) {
    const img = document.createElement("img");
    img.alt = "";
    img.src = c.thumbnail_url;
    thumb.append(img);
  }
  const badge = document.createElement("span");
  badge.className = "badge badge-live";
  badge.textContent = "Live";
  const count = document.createElement("span");
  count.className = "live-viewers";
  count.textContent = `${viewers.format(c.viewer_count)} watching`;
  thumb.append(badge, count);
  const name = document.createElement("span");
  name.className = "live-name";
  name.textContent = c.display_name || c.login;
  const sub = document.createElement("span");
  sub.className = "live-sub";
  sub.textContent = c.game_name || "Live";
  const title = document.createElement("span");
  title.className = "live-title";
  title.textContent = c.title;
  title.title = c.title;
  const body = document.createElement("div");
  body.className = "live-body";
  body.append(name, sub, title);
  const actions = document.createElement("div");
  actions.className = "live-actions";
  actions.append(...rowButtons(c));
  li.append(thumb, body, actions);
  li.addEventListener("click", () => openStreamer(c.login));
  li.addEventListener("keydown", (ev) => { if (ev.key === "Enter") openStreamer(c.login); });
  return li;
}

async function chooseFavourite(c) {
  try {
    settings = await call("set_favourite", { login: c.login });
    renderFavourite();
    for (const b of document.querySelectorAll("button.fav")) {
      const login = b.closest("[data-login]")?.dataset.login;
      b.textContent = login === settings.favourite ? "★ Favourite" : "☆ Favourite";
    }
  } catch (e) {
    $("search-status").textContent = e.message;
  }
}

function renderFavourite() {
  const f = settings && settings.favourite;
  $("favourite-box").hidden = !f;
  $("favourite-name").textContent = (f && displayNames.get(f)) || f || "";
}

async function openStreamer(login) {
  try {
    await call("open_streamer", { login });
  } catch (e) {
    $("search-status").textContent = e.message;
  }
}
$("open-favourite").addEventListener("click", () => settings && settings.favourite && openStreamer(settings.favourite));

let searchTimer = null;
let searchSeq = 0;
$("search").addEventListener("input", () => {
  clearTimeout(searchTimer);
  const q = $("search").value.trim();
  if (!q) { $("search-results").replaceChildren(); delete $("search-results").dataset.query; $("search-status").textContent = ""; return; }
  // Debounced: one Helix search per pause in typing.
  searchTimer = setTimeout(async () => {
    const seq = ++searchSeq;
    $("search-status").textContent = "Searching…";
    try {
      const results = await call("search_channels", { query: q });
      if (seq !== searchSeq) return;
      $("search-results").replaceChildren(...results.map(channelRow));
      // Which query the list answers: typing quickly can show an earlier query's list first.
      $("search-results").dataset.query = q;
      $("search-status").textContent = results.length ? "" : `No channel matches “${q}”.`;
    } catch (e) {
      if (seq === searchSeq) $("search-status").textContent = e.message;
    }
  }, 250);
});

let pickerLoaded = false;
async function loadLive() {
  $("live-status").textContent = "Looking for live channels…";
  try {
    const live = await call("followed_live_channels");
    $("live-followed").replaceChildren(...live.map(liveCard));
    renderFavourite();
    $("live-status").textContent = live.length
      ? ""
      : "None of the channels you follow is live right now. Search for one below.";
  } catch (e) {
    $("live-status").textContent = e.message;
  }
}

async function loadPicker() {
  if (pickerLoaded) return;
  pickerLoaded = true;
  renderFavourite();
  loadLive();
  try {
    const followed = await call("followed_channels");
    $("followed").replaceChildren(...followed.map(channelRow));
    // The channels "Alert me" offers as the user types.
    $("alert-followed").replaceChildren(...followed.map((c) => {
      const o = document.createElement("option");
      o.value = c.login;
      return o;
    }));
    renderFavourite();
    $("followed-status").textContent = followed.length ? "" : "You don't follow any channel yet.";
  } catch (e) {
    pickerLoaded = false;
    $("followed-status").textContent = e.message;
  }
}

// ---------------------------------------------------------------------------------------------
// Desktop notifications: go-live on by default, every other kind opt-in.
function renderNotifications(kinds) {
  const goLive = kinds.find((k) => k.kind === "stream_online");
  $("notify-go-live").checked = Boolean(goLive && goLive.on);
  $("notify-kinds").replaceChildren(...kinds.filter((k) => k.kind !== "stream_online").map((k) => {
    const label = document.createElement("label");
    label.className = "check";
    const box = document.createElement("input");
    box.type = "checkbox";
    box.dataset.kind = k.kind;
    box.checked = k.on;
    label.append(box, document.createTextNode(k.label));
    return label;
  }));
}

async function setNotification(ev) {
  const box = ev.target;
  if (!(box instanceof HTMLInputElement) || !box.dataset.kind) return;
  try {
    renderNotifications(await call("notifications_set", { kind: box.dataset.kind, on: box.checked }));
    $("notify-status").textContent = "";
  } catch (e) {
    box.checked = !box.checked;
    $("notify-status").textContent = e.message;
  }
}
$("notifications").addEventListener("change", setNotification);

async function loadNotifications() {
  try {
    renderNotifications(await call("notifications_get"));
  } catch (e) {
    $("notify-status").textContent = e.message;
  }
}

// ---------------------------------------------------------------------------------------------
// Alerts per channel (docs/ui.md "Alerts"): a channel's rules replace the choices above for it.
const AMOUNTS = [
  ["raid_min_viewers", "Raid of at least", "viewers"],
  ["cheer_min_bits", "Cheer of at least", "bits"],
  ["gift_min_subs", "Gift bomb of at least", "subs"],
  ["resub_min_months", "Resub of at least", "months"],
];

function check(field, text, on) {
  const label = document.createElement("label");
  label.className = "check";
  const box = document.createElement("input");
  box.type = "checkbox";
  box.dataset.field = field;
  box.checked = Boolean(on);
  label.append(box, document.createTextNode(text));
  return label;
}

const WATCH_WORDS = {
  pushed: "Watched live: Twitch tells the app the moment it goes live.",
  polled: "Over the connection's budget: its live status is checked every minute instead, and going live does not alert.",
  pending: "Not watched yet…",
};

function alertRow(login, r, watch) {
  const li = document.createElement("li");
  li.className = "alert-rule";
  li.dataset.login = login;
  const head = document.createElement("div");
  head.className = "alert-rule-head";
  const name = document.createElement("strong");
  name.textContent = displayNames.get(login) || login;
  const remove = document.createElement("button");
  remove.type = "button";
    remove.dataset.remove = login;
  remove.textContent = "Remove";
  remove.setAttribute("aria-label", `Remove the alerts of ${login}`);
  head.append(name, remove);
  const grid = document.createElement("div");
  grid.className = "alert-rule-grid";
  grid.append(check("go_live", "Goes live", r.go_live), check("title_change", "Title changes", r.title_change),
    check("category_change", "Category changes", r.category_change));
  const cat = document.createElement("label");
  cat.className = "check";
  const catInput = document.createElement("input");
  catInput.type = "text";
  catInput.dataset.field = "category_is";
  catInput.placeholder = "any category";
  catInput.value = r.category_is || "";
  catInput.setAttribute("aria-label", "Only when the category becomes");
  cat.append(document.createTextNode("only when it becomes"), catInput);
  grid.append(cat);
  for (const [field, before, unit] of AMOUNTS) {
    const label = document.createElement("label");
    label.className = "check";
    const n = document.createElement("input");
    n.type = "number";
    n.min = "1";
    n.step = "1";
    n.placeholder = "off";
    n.dataset.field = field;
    n.value = r[field] == null ? "" : String(r[field]);
    label.append(document.createTextNode(before), n, document.createTextNode(unit));
    grid.append(label);
  }
  const how = document.createElement("p");
  how.className = "muted small alert-watch";
  how.dataset.watch = watch || "pending";
  how.textContent = WATCH_WORDS[how.dataset.watch] || WATCH_WORDS.pending;
  li.append(head, how, grid);
  return li;
}

// A channel just added is watched a moment later (the core plans its subscriptions): read again
// a few times until none is pending.
let alertRetries = 0;
let alertRetry = null;
function renderAlerts(alerts) {
  const channels = (alerts && alerts.channels) || {};
  const watch = (alerts && alerts.watch) || {};
  const list = $("alert-list");
  const logins = Object.keys(channels);
  const sameRows = [...list.children].map((li) => li.dataset.login).join() === logins.join();
  if (sameRows && list.contains(document.activeElement)) {
    // The user is editing a row: keep what is typed, refresh only how each is watched.
    for (const li of list.children) {
      const how = li.querySelector(".alert-watch");
      how.dataset.watch = watch[li.dataset.login] || "pending";
      how.textContent = WATCH_WORDS[how.dataset.watch] || WATCH_WORDS.pending;
    }
  } else {
    list.replaceChildren(...logins.map((login) => alertRow(login, channels[login], watch[login])));
  }
  const pending = logins.some((l) => (watch[l] || "pending") === "pending");
  clearTimeout(alertRetry);
  if (pending && alertRetries < 20) {
    alertRetries += 1;
    alertRetry = setTimeout(loadAlerts, 1500);
  } else if (!pending) alertRetries = 0;
}

// The rules a row's controls say; an empty or invalid amount is off.
function rulesOf(li) {
  const r = {};
  for (const el of li.querySelectorAll("[data-field]")) {
    const f = el.dataset.field;
    if (el.type === "checkbox") r[f] = el.checked;
    else if (el.type === "number") {
      const n = Number.parseInt(el.value, 10);
      r[f] = Number.isFinite(n) && n > 0 ? n : null;
    } else r[f] = el.value.trim() || null;
  }
  return r;
}

async function setAlerts(login, rules) {
  try {
    alertRetries = 0;
    renderAlerts(await call("alerts_set", { login, rules }));
    $("alert-status").textContent = "";
  } catch (e) {
    $("alert-status").textContent = e.message;
  }
}

$("alert-list").addEventListener("change", (ev) => {
  const li = ev.target instanceof Element && ev.target.closest(".alert-rule");
  if (li) setAlerts(li.dataset.login, rulesOf(li));
});
$("alert-list").addEventListener("click", (ev) => {
  const b = ev.target instanceof Element && ev.target.closest("[data-remove]");
  if (b) setAlerts(b.dataset.remove, null);
});
$("alert-add").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const login = $("alert-login").value.trim().toLowerCase();
  if (!login) return;
  const existing = [...$("alert-list").children].some((li) => li.dataset.login === login);
  if (!existing) await setAlerts(login, { go_live: true });
  $("alert-login").value = "";
});

async function loadAlerts() {
  try {
    renderAlerts(await call("alerts_get"));
  } catch (e) {
    $("alert-status").textContent = e.message;
  }
}

$("notice-close").addEventListener("click", () => { $("notice").hidden = true; });

// ---------------------------------------------------------------------------------------------
async function start() {
  // Start-up steps, for the benchmark harness (tests/perf reads the marks).
  performance.mark("tev:script");
  try {
    // Every round trip goes out at once: the page paints its real state after one round
    // trip's wait (BENCHMARKS.md "Start-up"). The login is read alongside adding the listeners,
    // which may not be in place when it is read; it is read again once they are (below).
    const [, loaded, , , state] = await Promise.all([
      showAppInfo(),
      call("settings_get"),
      on("auth", renderAuth),
      // Messages from outside the page, e.g. a deep link that could not be used.
      on("notice", (n) => {
        $("notice-text").textContent = n.message;
        $("notice").dataset.code = n.code;
        $("notice").hidden = false;
      }),
      call("auth_state", { listening: false }),
      loadNotifications(),
    ]);
    settings = loaded;
    performance.mark("tev:ipc");
    renderAuth(state);
    document.body.dataset.ready = "true";
    // Drawn from here on, with its data (app.css, `booting`).
    document.body.classList.remove("booting");
    markPainted();
    // Below the fold: read after the first paint, which waits for nothing it does not show.
    loadAlerts();
    // The listeners are in place now: a second read catches a change of the login the first
    // one came too early for, and tells the core this page hears notices (it keeps them until
    // then).
    renderAuth(await call("auth_state"));
  } catch (e) {
    $("app-version").textContent = e.message;
    document.body.dataset.ready = "error";
    document.body.classList.remove("booting");
  }
}

start();
