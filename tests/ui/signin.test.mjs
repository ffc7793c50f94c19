// Unit tests of the sign-in screen's rule for where the login is kept (`ui/js/signin.js`): the
// offer to stay signed in for this run only shows when no keychain can keep the login, and only
// then; once chosen, the screen and the account corner say the login lasts this run only.
import { test } from "node:test";
import assert from "node:assert/strict";
import { pageModule } from "./page-module.mjs";

const {
  OFFER_LABEL, OFFER_MEANS, RUN_ONLY_BADGE, RUN_ONLY_NOTE,
  keychainAfterLoginError, needsKeychainCheck, signInView,
} = await pageModule("signin.js");

// The reason the core gives when the stored login cannot be read for want of a keychain
// (`KeychainError::Unavailable`, src-tauri/core/src/keychain.rs).
const NO_KEYCHAIN =
  "the system keychain is not available (no Secret Service is running on this desktop). " +
  "Unlock or install a keyring (on Linux: a Secret Service such as GNOME Keyring or KWallet), " +
  "or choose to stay signed in for this run only";
const signedOut = (reason = null) => ({ state: "signed_out", reason });
const signedIn = (sessionOnly) => ({
  state: "signed_in", user_id: "1", login: "sim_viewer", display_name: "SimViewer",
  scopes: ["user:read:chat"], expires_at: "2026-12-07T20:00:00Z", session_only: sessionOnly,
});
const unavailable = { state: "unavailable", detail: NO_KEYCHAIN };

test("the offer says what it is and that the login is kept in memory until the app quits", () => {
  assert.equal(OFFER_LABEL, "Stay signed in for this run only");
  assert.match(OFFER_MEANS, /memory/);
  assert.match(OFFER_MEANS, /forgotten when the app quits/);
  assert.match(RUN_ONLY_NOTE, /memory/);
  assert.match(RUN_ONLY_BADGE, /this run only/);
});

test("without a keychain a signed-out screen offers this run only, with why, and no error line", () => {
  const v = signInView(signedOut(NO_KEYCHAIN), unavailable);
  assert.equal(v.offer, true);
  assert.equal(v.detail, "T" + NO_KEYCHAIN.slice(1), "why, as a sentence");
  assert.equal(v.reason, null, "the offer says it in full; the error line would repeat it");
  assert.equal(v.note, null);
  assert.equal(v.badge, null);
  assert.equal(v.keychain, "unavailable");
});

test("with a keychain, or before it is known, nothing is offered and a reason shows as an error", () => {
  for (const keychain of [{ state: "available" }, null]) {
    const v = signInView(signedOut("Twitch revoked the login"), keychain);
    assert.equal(v.offer, false, JSON.stringify(keychain));
    assert.equal(v.reason, "Twitch revoked the login");
    assert.equal(v.note, null);
  }
  assert.equal(signInView(signedOut(), null).keychain, "unknown");
  assert.equal(signInView(signedOut(), { state: "available" }).keychain, "available");
});

test("nothing is offered while a login runs or someone is signed in", () => {
  const signingIn = { state: "signing_in", progress: { step: "starting", message: "Starting…" } };
  assert.equal(signInView(signingIn, unavailable).offer, false);
  assert.equal(signInView(signedIn(false), unavailable).offer, false);
  assert.equal(signInView(signedIn(true), { state: "session_only" }).offer, false);
});

test("once chosen, the screen says this run only, and so does the account corner when signed in", () => {
  const chosen = { state: "session_only" };
  const out = signInView(signedOut("the login was cancelled"), chosen);
  assert.equal(out.offer, false);
  assert.equal(out.note, RUN_ONLY_NOTE);
  assert.equal(out.reason, "the login was cancelled", "a failed login still says why");
  assert.equal(out.keychain, "session_only");
  const inside = signInView(signedIn(true), chosen);
  assert.equal(inside.badge, RUN_ONLY_BADGE);
  assert.equal(inside.keychain, "session_only");
  assert.equal(signInView(signedIn(false), { state: "available" }).badge, null);
  // The login says so itself, before the page has asked about the keychain.
  assert.equal(signInView(signedIn(true), null).keychain, "session_only");
});

test("a login refused for want of a keychain makes the keychain unavailable; other errors do not", () => {
  const refused = { code: "keychain_unavailable", message: NO_KEYCHAIN };
  assert.deepEqual(keychainAfterLoginError({ state: "available" }, refused), unavailable);
  const other = { code: "login_failed", message: "Twitch said no" };
  assert.deepEqual(keychainAfterLoginError({ state: "available" }, other), { state: "available" });
  assert.equal(keychainAfterLoginError(null, other), null);
});

test("the keychain is asked about whenever a signed-out state (or its reason) is new", () => {
  assert.equal(needsKeychainCheck(null, signedOut()), true, "at start");
  assert.equal(needsKeychainCheck(signedOut(), signedOut()), false, "the same state again");
  assert.equal(needsKeychainCheck(signedOut(), signedOut(NO_KEYCHAIN)), true, "a new reason");
  assert.equal(needsKeychainCheck(signedIn(false), signedOut()), true, "after a logout");
  assert.equal(needsKeychainCheck(signedOut(), signedIn(false)), false);
  assert.equal(needsKeychainCheck(null, { state: "expired", reason: "offline" }), true);
});
