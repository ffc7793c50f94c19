// The one place in the app's pages that talks to the Rust side. Every other module imports
// these functions; nothing else touches window.__TAURI__.
//
// Errors from commands arrive as { code, message } (see src-tauri/src/error.rs); anything
// else (IPC not available, a bug) is turned into the same shape so pages show one kind of error.

const tauri = window.__TAURI__;

function asUiError(e) {
  if (e && typeof e === "object" && typeof e.code === "string" && typeof e.message === "string") {
    return e;
  }
  return { code: "internal", message: "Something went wrong inside the app. Please try again." };
}

/** Calls an app command; resolves with its result or rejects with { code, message }. */
export async function call(command, args = {}) {
  if (!tauri || !tauri.core) {
    throw { code: "no_ipc", message: "This page is not running inside Twitch Event Viewer." };
  }
  try {
    return await tauri.core.invoke(command, args);
  } catch (e) {
    throw asUiError(e);
  }
}

/**
 * Subscribes to an app event sent to this page or to every page; returns a function that
 * unsubscribes. (A plain `event.listen` also hears what is sent to *other* pages: every panel
 * would read its rows again whenever any channel's feed changed.)
 */
export async function on(event, handler) {
  if (!tauri || !tauri.event) return () => {};
  const here = tauri.webview && tauri.webview.getCurrentWebview();
  if (here) return here.listen(event, (e) => handler(e.payload));
  return tauri.event.listen(event, (e) => handler(e.payload));
}

/** Closes the window this page belongs to (a streamer window, from its panel). */
export async function closeWindow() {
  if (!tauri || !tauri.window) return;
  await tauri.window.getCurrentWindow().close();
}

/**
 * Start-up marks for the benchmark harness (tests/perf): "tev:ready" when the page shows its
 * data, "tev:frame" at the next animation frame, "tev:painted" at the second (the frame that
 * shows it); then `then()`, if given.
 */
export function markPainted(then) {
  performance.mark("tev:ready");
  requestAnimationFrame(() => {
    performance.mark("tev:frame");
    requestAnimationFrame(() => {
      performance.mark("tev:painted");
      if (then) then();
    });
  });
}
