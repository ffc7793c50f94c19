// Where the login is kept, as the home window's sign-in screen shows it: pure functions, no DOM,
// no IPC (tested by tests/ui/signin.test.mjs). The app keeps a login in the system keychain;
// with none usable (no Secret Service, a locked keyring) it never falls back to a file, and the
// screen offers to stay signed in for this run only: the login kept in memory and forgotten when
// the app quits (docs/platform.md "Keychain").

/** The offer's button. */
export const OFFER_LABEL = "Stay signed in for this run only";

/** What choosing it means, under the button. */
export const OFFER_MEANS =
  "Your login is then kept in memory only and forgotten when the app quits: you sign in again " +
  "at the next start. The login is never written to disk.";

/** Under "Log in with Twitch" once the choice is made. */
export const RUN_ONLY_NOTE =
  "For this run only: your login is kept in memory and forgotten when the app quits.";

/** The account corner's words for a login kept for this run only. */
export const RUN_ONLY_BADGE = "Signed in for this run only";

/**
 * The keychain's state as `keychain_status` answers it ({ state: "available" | "unavailable" |
 * "session_only", detail? }), after a login failed with `error` ({ code, message }): a login
 * refused for want of a keychain (`keychain_unavailable`) means none is usable, whatever was
 * known before.
 */
export function keychainAfterLoginError(keychain, error) {
  if (error && error.code === "keychain_unavailable") {
    return { state: "unavailable", detail: error.message };
  }
  return keychain;
}

/**
 * What the sign-in screen shows for the login `auth` (the `auth` event's view) and the keychain
 * `keychain` (null while not known yet):
 * - `offer`: the "stay signed in for this run only" box, with `detail` (why there is no keychain);
 * - `note`: the line under "Log in with Twitch" once the user chose this run only;
 * - `reason`: the signed-out reason for the error line, or null. With no usable keychain every
 *   signed-out reason is the keychain's (the stored login cannot be read, a login cannot start),
 *   and the offer says it in full, so the error line is left out;
 * - `badge`: the account corner's words when signed in for this run only, else null;
 * - `keychain`: the state for `body[data-keychain]` ("unknown" while not known).
 */
export function signInView(auth, keychain) {
  const state = auth ? auth.state : "unknown";
  const signedOut = state === "signed_out" || state === "expired";
  const kc = keychain ? keychain.state : "unknown";
  const noKeychain = kc === "unavailable";
  const offer = signedOut && noKeychain;
  const reason = signedOut && !noKeychain && auth.reason ? auth.reason : null;
  const runOnly = kc === "session_only" || Boolean(auth && auth.session_only);
  return {
    offer,
    detail: offer ? sentence(keychain.detail || "") : "",
    note: signedOut && runOnly ? RUN_ONLY_NOTE : null,
    reason,
    badge: state === "signed_in" && auth.session_only ? RUN_ONLY_BADGE : null,
    keychain: state === "signed_in" && auth.session_only ? "session_only" : kc,
  };
}

/** `text` as a sentence: a capital first letter (the core's messages start in lower case). */
function sentence(text) {
  return text ? text[0].toUpperCase() + text.slice(1) : text;
}

/**
 * Whether the page should ask for the keychain's state on this `auth` change: whenever nobody is
 * signed in (a keychain may have come up, or gone, since), once per change of state.
 */
export function needsKeychainCheck(previous, auth) {
  const out = (a) => Boolean(a) && (a.state === "signed_out" || a.state === "expired");
  return out(auth) && (!out(previous) || previous.reason !== auth.reason);
}
