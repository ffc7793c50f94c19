// The message box under a streamer window's chat (ui/compose.html, docs/ui.md "Message box"):
// writes in the channel's chat as the signed-in user through Twitch's Send Chat Message. The
// channel is the box's own (the app takes it from the webview, never from the page).
//
// body[data-chat] says what the box shows: "signed_out" (sign in from the home window), "off"
// (the login may not chat: Turn chatting on), "asking" (the new login that asks Twitch for
// `user:write:chat`), "ready" (the field). One message at a time: while one is on its way the
// field is read-only and Enter does nothing; an Enter held down (repeat) or ending an input
// method's composition sends nothing.

import { call, on } from "./ipc.js";

const $ = (id) => document.getElementById(id);
const body = document.body;
const field = $("message");
const button = $("send");
const status = $("chat-status");
const counter = $("counter");

/** The scope sending needs and Twitch's limit, from `chat_box`. */
let scope = "user:write:chat";
let maxChars = 500;
/** The login as last heard. */
let auth = { state: "signed_out", reason: null };
/** A login that turns chatting on is running. */
let asking = false;
/** A message is on its way. */
let sending = false;

function say(text, tone = "") {
  status.textContent = text;
  status.title = text;
  status.className = "chat-status" + (tone ? " " + tone : " muted");
}

function name() {
  return auth.display_name || auth.login || "you";
}

function mayChat() {
  return auth.state === "signed_in" && Array.isArray(auth.scopes) && auth.scopes.includes(scope);
}

function show(mode) {
  body.dataset.chat = mode;
  $("row-ready").hidden = mode !== "ready";
  $("row-off").hidden = mode !== "off";
  $("row-asking").hidden = mode !== "asking";
  counter.hidden = mode !== "ready";
}

function render() {
  if (asking) {
    const p = auth.state === "signing_in" ? auth.progress : null;
    say(p ? p.message : "Asking Twitch to let the app chat as you…");
    const code = $("device-code");
    code.hidden = !(p && p.user_code);
    code.textContent = p && p.user_code ? p.user_code : "";
    show("asking");
    return;
  }
  if (mayChat()) {
    if (body.dataset.chat !== "ready") say(`Chat as ${name()}`);
    show("ready");
  } else if (auth.state === "signed_in") {
    if (body.dataset.chat !== "off" || !status.textContent) say(`Write in this chat as ${name()}`);
    show("off");
  } else {
    say("Sign in from the home window to write in the chat.");
    show("signed_out");
  }
}

function count() {
  const n = [...field.value].length;
  counter.textContent = `${n}/${maxChars}`;
  counter.classList.toggle("near", n > maxChars - 50);
}

async function send() {
  if (sending) return;
  const text = field.value;
  if (!text.trim()) return;
  sending = true;
  body.dataset.sending = "";
  field.readOnly = true;
  button.disabled = true;
  say("Sending…");
  try {
    const answer = await call("chat_send", { message: text });
    if (answer.sent) {
      field.value = "";
      count();
      say("Sent.", "ok");
    } else {
      say(`Twitch did not send it: ${answer.reason || "no reason given"}`, "warn");
    }
  } catch (e) {
    say(e.message, "bad");
    if (e.code === "chat_not_allowed") {
      // The login lacks the scope after all: offer to turn chatting on again.
      auth = { ...auth, scopes: (auth.scopes || []).filter((s) => s !== scope) };
      show("off");
    }
  } finally {
    sending = false;
    delete body.dataset.sending;
    field.readOnly = false;
    button.disabled = false;
    field.focus();
  }
}

async function enable() {
  if (asking) return;
  asking = true;
  render();
  try {
    await call("chat_enable");
    asking = false;
    auth = (await call("chat_box")).auth;
    render();
    if (mayChat()) field.focus();
  } catch (e) {
    asking = false;
    try {
      auth = (await call("chat_box")).auth;
    } catch (_) {
      // Keep the login as last heard.
    }
    render();
    say(`Chatting was not turned on: ${e.message}`, "bad");
  }
}

async function start() {
  field.addEventListener("keydown", (e) => {
    if (e.key !== "Enter") return;
    e.preventDefault();
    // An input method's Enter ends a composition; a held key repeats: neither sends.
    if (e.isComposing || e.keyCode === 229 || e.repeat) return;
    send();
  });
  field.addEventListener("input", count);
  button.addEventListener("click", send);
  $("chat-enable").addEventListener("click", enable);
  $("chat-cancel").addEventListener("click", () => call("chat_cancel").catch(() => {}));
  await on("auth", (view) => {
    auth = view;
    render();
  });
  try {
    const box = await call("chat_box");
    scope = box.scope;
    maxChars = box.max_chars;
    field.maxLength = maxChars;
    auth = box.auth;
  } catch (e) {
    say(e.message, "bad");
  }
  count();
  render();
  body.classList.remove("booting");
  body.dataset.ready = "";
}

start();
