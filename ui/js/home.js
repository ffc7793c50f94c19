import { call } from "./ipc.js";

const $ = (id) => document.getElementById(id);

async function showAppInfo() {
  try {
    const info = await call("app_info");
    $("app-version").textContent = `${info.name} ${info.version}`;
    $("app-endpoint").textContent = info.simulated ? `${info.twitch}` : "Connected to Twitch";
    $("app-endpoint").title = `EventSub: ${info.eventsub}\nHelix: ${info.helix}\nOAuth: ${info.oauth}`;
    $("sim-badge").hidden = !info.simulated;
    document.body.dataset.ready = "true";
  } catch (e) {
    $("app-version").textContent = e.message;
    document.body.dataset.ready = "error";
  }
}

showAppInfo();
