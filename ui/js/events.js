// Rendering of feed events (tev_core::feed::StreamEvent as JSON) into list rows.
// Pure DOM building, no IPC: the streamer page feeds it.

/** kind → [glyph, colour family] */
const KINDS = {
  stream_online: ["●", "k-stream"],
  stream_offline: ["○", "k-stream"],
  channel_update: ["✎", "k-info"],
  raid_incoming: ["➜", "k-raid"],
  raid_outgoing: ["➜", "k-raid"],
  sub: ["★", "k-sub"],
  resub: ["★", "k-sub"],
  prime_paid_upgrade: ["★", "k-sub"],
  gift_paid_upgrade: ["★", "k-sub"],
  sub_gift: ["♦", "k-gift"],
  community_sub_gift: ["♦", "k-gift"],
  pay_it_forward: ["♦", "k-gift"],
  cheer: ["◆", "k-cheer"],
  bits_badge_tier: ["◆", "k-cheer"],
  charity_donation: ["♥", "k-gift"],
  announcement: ["!", "k-info"],
  watch_streak: ["✓", "k-info"],
  follow: ["+", "k-follow"],
  hype_train_begin: ["▲", "k-hype"],
  hype_train_end: ["▲", "k-hype"],
  poll_begin: ["?", "k-info"],
  poll_end: ["?", "k-info"],
  prediction_begin: ["%", "k-info"],
  prediction_end: ["%", "k-info"],
  ad_break: ["▮", "k-info"],
  reward_redemption: ["✦", "k-follow"],
  shoutout_received: ["✉", "k-raid"],
  other: ["•", "k-info"],
  gap: ["┄", ""],
};

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
 * on a fixed tick that repaints unchanged text (issue 9, idle wake-ups).
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

/** Builds the <li> for one event. */
export function eventRow(ev) {
  const [glyph, family] = KINDS[ev.kind] || KINDS.other;
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

/**
 * What the panel shows of a channel's recent events under the viewer's feed choices
 * (tev_core::config::FeedPrefs, from `feed_prefs_get`). Pure logic: no DOM, no IPC.
 *
 * - filter (`prefs.hidden`): groups this view leaves out; counted as "hidden by filter";
 * - mute (`prefs.muted`): groups never shown (and never notified) for this channel;
 * - seen mark (`prefs.seen`): rows at or before it are seen; newer ones stand out;
 * - gap rows belong to no group: nothing hides them, and they never stand out.
 */
export class FeedView {
  /** groups: [{id, label, kinds}] in menu order; prefs: {hidden, muted, seen, paused}. */
  constructor(groups = [], prefs = {}) {
    this.groups = groups;
    this.kindGroup = new Map();
    for (const g of groups) for (const k of g.kinds) this.kindGroup.set(k, g.id);
    this.prefs = {
      hidden: Array.isArray(prefs.hidden) ? prefs.hidden : [],
      muted: Array.isArray(prefs.muted) ? prefs.muted : [],
      seen: prefs.seen && typeof prefs.seen.at === "string" ? prefs.seen : null,
      paused: prefs.paused === true,
    };
  }

  /** The group id of a kind; null for gaps; "other" for kinds no group lists. */
  groupOf(kind) {
    if (kind === "gap") return null;
    return this.kindGroup.get(kind) || "other";
  }

  isMuted(kind) {
    const g = this.groupOf(kind);
    return g !== null && this.prefs.muted.includes(g);
  }

  /** Hidden by the filter (and not muted, which says more). */
  isFiltered(kind) {
    const g = this.groupOf(kind);
    return g !== null && !this.prefs.muted.includes(g) && this.prefs.hidden.includes(g);
  }

  isShown(kind) {
    return !this.isMuted(kind) && !this.isFiltered(kind);
  }

  /** Whether a row should stand out: newer than the seen mark, and not a gap. */
  isUnseen(ev) {
    if (ev.kind === "gap") return false;
    if (!this.prefs.seen) return true;
    const t = Date.parse(ev.occurred_at);
    const mark = Date.parse(this.prefs.seen.at);
    return Number.isNaN(t) || Number.isNaN(mark) ? false : t > mark;
  }

  /** { shown, filtered, muted } rows of `events`, each in the given order. */
  split(events) {
    const out = { shown: [], filtered: [], muted: [] };
    for (const ev of events) {
      if (this.isMuted(ev.kind)) out.muted.push(ev);
      else if (this.isFiltered(ev.kind)) out.filtered.push(ev);
      else out.shown.push(ev);
    }
    return out;
  }

  /** The seen mark for "mark all seen" over `rows`: the newest one, as {id, at}; or null. */
  static newestMark(rows) {
    let best = null;
    for (const ev of rows) {
      const t = Date.parse(ev.occurred_at);
      if (Number.isNaN(t)) continue;
      if (!best || t > best.t) best = { t, id: ev.id, at: ev.occurred_at };
    }
    return best && { id: best.id, at: best.at };
  }
}
