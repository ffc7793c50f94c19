// Rendering of feed events (tev_core::feed::StreamEvent as JSON) into list rows, and the rows'
// time labels. Pure DOM building, no IPC: the streamer page feeds it; how each kind looks comes
// from the core's kind table (panel.js, `KindLooks`).

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const fullFmt = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

/** "just now", "3 min ago", "2 h ago", or a date. */
export function relativeTime(iso, now = Date.now()) {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return "";
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 45) return "just now";
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 24) return `${h} h ago`;
  return fullFmt.format(new Date(t));
}

/**
 * Milliseconds until `relativeTime(iso)` reads differently, or `horizon` if it does not change
 * before then (a date, or an unreadable time). Labels only ever move forward ("just now" →
 * "1 min ago" → … → a date, none comes back), so the first change is found by bisection, to the
 * millisecond. The panel wakes for its time labels only when one of them changes, instead of
 * on a fixed tick that repaints unchanged text (BENCHMARKS.md "Idle").
 */
export function msUntilRelativeChange(iso, now = Date.now(), horizon = 3_600_000) {
  const label = relativeTime(iso, now);
  if (relativeTime(iso, now + horizon) === label) return horizon;
  let same = 0; // relativeTime(iso, now + same) === label
  let changed = horizon; // relativeTime(iso, now + changed) !== label
  while (changed - same > 1) {
    const mid = Math.floor((same + changed) / 2);
    if (relativeTime(iso, now + mid) === label) same = mid;
    else changed = mid;
  }
  return changed;
}

function chipText(ev) {
  const d = ev.details || {};
  if (typeof d.bits === "number") return `${d.bits} bits`;
  if (typeof d.viewers === "number") return `${d.viewers.toLocaleString()} viewers`;
  if (typeof d.total === "number" && ev.kind === "community_sub_gift") return `${d.total} gifts`;
  if (typeof d.cumulative_months === "number") return `${d.cumulative_months} months`;
  if (typeof d.tier === "string") return `Tier ${d.tier.charAt(0)}`;
  return "";
}

/** Builds the <li> for one event, drawn as `look` says ({glyph, family}: `KindLooks.look`). */
export function eventRow(ev, look) {
  const { glyph, family } = look;
  const li = document.createElement("li");
  li.className = `event ${family}`;
  li.dataset.id = ev.id;
  li.dataset.kind = ev.kind;
  li.dataset.occurredAt = ev.occurred_at;

  const icon = document.createElement("span");
  icon.className = "event-icon";
  icon.setAttribute("aria-hidden", "true");
  icon.textContent = glyph;

  const text = document.createElement("span");
  text.className = "event-text";
  const summary = ev.summary || "";
  const actorName = ev.actor && (ev.actor.display_name || ev.actor.login);
  if (ev.kind === "gap") {
    li.classList.add("gap");
    text.textContent = summary;
  } else if (actorName && summary.startsWith(actorName)) {
    const b = document.createElement("span");
    b.className = "event-actor";
    b.textContent = actorName;
    text.append(b, document.createTextNode(summary.slice(actorName.length)));
  } else {
    text.textContent = summary;
  }
  text.title = summary;

  const chip = document.createElement("span");
  const c = ev.kind === "gap" ? "" : chipText(ev);
  chip.className = c ? "chip" : "";
  chip.textContent = c;

  const time = document.createElement("time");
  time.className = "event-time";
  time.dateTime = ev.occurred_at;
  time.title = Number.isNaN(Date.parse(ev.occurred_at)) ? "" : fullFmt.format(new Date(ev.occurred_at));
  time.textContent = relativeTime(ev.occurred_at);

  li.append(icon, text, chip, time);
  return li;
}

export function clockTime(iso) {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? "" : timeFmt.format(new Date(t));
}
