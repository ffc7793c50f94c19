// The events panel's state, with no DOM and no IPC: which of a channel's recent rows show under
// the viewer's feed choices (filter, mute, seen mark, pause), what is hidden and how many, what
// came in while paused, and how each kind is drawn. The streamer page (streamer.js) reads the
// choices and the rows from the core, hands them to this module and draws what it computes;
// `tests/ui/` runs it in Node. The kind table and the groups come from the core
// (tev_core::kind): the page keeps no list of kinds of its own.

/** The group of the moderation kinds (tev_core::settings::MODERATION_GROUP). */
export const MODERATION = "moderation";

/** How each kind is drawn: the core's kind table (tev_core::kind::KIND_TABLE, sent with the
 * panel's snapshot), [{name, label, group, glyph, family}]. */
export class KindLooks {
  constructor(table = []) {
    this.byName = new Map(table.map((k) => [k.name, k]));
  }

  /** {glyph, family} of a kind; a kind the table does not have is drawn as `other`. */
  look(kind) {
    const k = this.byName.get(kind) || this.byName.get("other");
    return k ? { glyph: k.glyph, family: k.family } : { glyph: "", family: "" };
  }
}

/** The amounts a minimum can be set for (tev_core::alerts::Amount), in menu order, with
 * their words. */
export const AMOUNTS = [
  { key: "raid_viewers", label: "Raids", unit: "viewers" },
  { key: "cheer_bits", label: "Cheers", unit: "bits" },
  { key: "gift_subs", label: "Gift bombs", unit: "subs" },
  { key: "resub_months", label: "Resubs", unit: "months" },
];

/** The amount a row carries, as [key, n], or null: the core's `tev_core::alerts::amount_of`
 * (an incoming raid's viewers, a cheer's bits, a bomb's subs, a gift outside a bomb 1, a
 * resub's months in all), checked against the same cases. */
export function amountOf(ev) {
  const d = ev && ev.details;
  if (!d || typeof d !== "object") return null;
  const n = (v) => (Number.isSafeInteger(v) && v >= 0 ? v : null);
  let out = null;
  if (ev.kind === "raid_incoming" && d.type === "raid") out = ["raid_viewers", n(d.viewers)];
  else if (ev.kind === "cheer" && d.type === "cheer") out = ["cheer_bits", n(d.bits)];
  else if (ev.kind === "community_sub_gift" && d.type === "community_sub_gift") out = ["gift_subs", n(d.total)];
  else if (ev.kind === "sub_gift" && d.type === "sub_gift" && d.community_gift_id == null) out = ["gift_subs", 1];
  else if (ev.kind === "resub" && d.type === "resub") out = ["resub_months", n(d.cumulative_months)];
  return out && out[1] !== null ? out : null;
}

/** The minimums of a channel's choices that mean something: positive whole numbers of a known
 * amount (the core's `FeedPrefs::minimums` reads them the same way). */
function cleanMinimums(m) {
  const out = {};
  if (!m || typeof m !== "object") return out;
  for (const { key } of AMOUNTS) {
    if (Number.isSafeInteger(m[key]) && m[key] > 0) out[key] = m[key];
  }
  return out;
}

/**
 * What the panel shows of a channel's recent events under the viewer's feed choices
 * (tev_core::settings::FeedPrefs, from `feed_prefs_get`). The rule is the core's
 * (`FeedPrefs::is_shown`, `is_muted`); `tests/ui/feed-rules.json` holds the cases both are
 * tested against.
 *
 * - filter (`prefs.hidden`): groups this view leaves out; counted as "hidden by filter";
 * - mute (`prefs.muted`): groups never shown (and never notified) for this channel;
 * - seen mark (`prefs.seen`): rows at or before it are seen; newer ones stand out;
 * - moderator view (`prefs.moderator_view`): the "moderation" group's rows show only in it; in
 *   the viewer view they count as hidden by the filter, and the menu leaves the group out;
 * - minimums (`prefs.minimums`): a raid, cheer, gift bomb or resub below the channel's minimum
 *   for its amount counts as hidden by the filter;
 * - gap rows belong to no group: nothing hides them, and they never stand out.
 */
export class FeedView {
  /** groups: [{id, label, kinds}] in menu order; prefs: {hidden, muted, seen, paused,
   * moderator_view}. */
  constructor(groups = [], prefs = {}) {
    this.groups = groups;
    this.kindGroup = new Map();
    for (const g of groups) for (const k of g.kinds) this.kindGroup.set(k, g.id);
    this.prefs = {
      hidden: Array.isArray(prefs.hidden) ? prefs.hidden : [],
      muted: Array.isArray(prefs.muted) ? prefs.muted : [],
      seen: prefs.seen && typeof prefs.seen.at === "string" ? prefs.seen : null,
      paused: prefs.paused === true,
      moderator_view: prefs.moderator_view === true,
      minimums: cleanMinimums(prefs.minimums),
    };
  }

  /** The same groups with `change` ({hidden, muted, seen, paused}, any of them) applied. */
  with(change) {
    return new FeedView(this.groups, { ...this.prefs, ...change });
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

  /** Hidden by the filter, or a moderation row outside the moderator view (and not muted,
   * which says more). */
  isFiltered(kind) {
    const g = this.groupOf(kind);
    if (g === null || this.prefs.muted.includes(g)) return false;
    return this.prefs.hidden.includes(g) || (g === MODERATION && !this.prefs.moderator_view);
  }

  isShown(kind) {
    return !this.isMuted(kind) && !this.isFiltered(kind);
  }

  /** A row whose amount is below the channel's minimum for it (counted as hidden by the
   * filter). */
  isBelowMinimum(ev) {
    const a = amountOf(ev);
    const min = a && this.prefs.minimums[a[0]];
    return Boolean(min) && a[1] < min;
  }

  /** Whether a row shows: its kind is shown and its amount is not below a minimum. */
  isRowShown(ev) {
    return this.isShown(ev.kind) && !this.isBelowMinimum(ev);
  }

  /** The change that sets (a positive number) or clears the minimum of `key`. */
  minimumChange(key, n) {
    const minimums = { ...this.prefs.minimums };
    if (Number.isSafeInteger(n) && n > 0) minimums[key] = n; else delete minimums[key];
    return { minimums };
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
      else if (this.isFiltered(ev.kind) || this.isBelowMinimum(ev)) out.filtered.push(ev);
      else out.shown.push(ev);
    }
    return out;
  }

  /** The filter menu: each group with whether it is muted and whether its box is ticked; the
   * moderation group only in the moderator view. */
  menu() {
    const groups = this.prefs.moderator_view
      ? this.groups
      : this.groups.filter((g) => g.id !== MODERATION);
    return groups.map((g) => {
      const muted = this.prefs.muted.includes(g.id);
      return { id: g.id, label: g.label, muted, shown: !muted && !this.prefs.hidden.includes(g.id) };
    });
  }

  /** The change that shows (`on`) or filters out a group. */
  filterChange(group, on) {
    const hidden = new Set(this.prefs.hidden);
    if (on) hidden.delete(group); else hidden.add(group);
    return { hidden: [...hidden] };
  }

  /** The change that mutes (`on`) or unmutes a group. */
  muteChange(group, on) {
    const muted = new Set(this.prefs.muted);
    if (on) muted.add(group); else muted.delete(group);
    return { muted: [...muted] };
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

/** Most rows remembered as having come in while paused (the pill says "99+" long before). */
const MAX_ARRIVED = 1000;

/**
 * The panel of one channel: its ten most recent rows as the core sent them, the viewer's
 * choices, and the rows on screen. While paused the rows on screen stay as they were and the
 * rows that came in since are counted; hidden rows are counted, never replaced by older ones
 * (the panel never pretends to have more than the core keeps).
 */
export class Panel {
  constructor(view = new FeedView()) {
    /** The viewer's choices (a FeedView); replaced whenever they change. */
    this.view = view;
    /** The channel's latest rows as the core sent them, newest first. */
    this.latest = [];
    /** The rows on screen: the latest, or while paused the list as it was. */
    this.frozen = null;
    /** id → kind of the rows that came in while paused. */
    this.arrivedWhilePaused = new Map();
  }

  /** The rows on screen (the latest until the first update). */
  rows() {
    return this.frozen || this.latest;
  }

  /** Takes the channel's latest rows (or none: the choices changed) and returns what to draw. */
  update(events) {
    if (events) this.latest = events;
    const paused = this.view.prefs.paused;
    if (!paused || !this.frozen) this.frozen = this.latest;
    if (paused) {
      const onScreen = new Set(this.frozen.map((ev) => ev.id));
      for (const ev of this.latest) {
        if (!onScreen.has(ev.id) && this.arrivedWhilePaused.size < MAX_ARRIVED) {
          this.arrivedWhilePaused.set(ev.id, ev.kind);
        }
      }
    }
    return this.state();
  }

  /** Pausing: the rows on screen stay as they are now. */
  freeze() {
    this.frozen = this.latest;
  }

  /** Shows the newest rows (the pill, or resuming): nothing counts as new-while-paused. */
  jumpToNewest() {
    this.frozen = this.latest;
    this.arrivedWhilePaused.clear();
  }

  /** The seen mark that marks every row shown now as seen; null with no rows. */
  seenMark() {
    return FeedView.newestMark(this.view.split(this.rows()).shown);
  }

  /** Everything the panel draws, computed from the rows on screen and the choices. */
  state() {
    const view = this.view;
    const rows = this.rows();
    const parts = view.split(rows);
    const paused = view.prefs.paused;
    const unseen = new Set(parts.shown.filter((ev) => view.isUnseen(ev)).map((ev) => ev.id));
    const filterOn = view.prefs.hidden.some((g) => !view.prefs.muted.includes(g))
      || Object.keys(view.prefs.minimums).length > 0;
    const mutedLabels = view.groups.filter((g) => view.prefs.muted.includes(g.id)).map((g) => g.label);
    const names = mutedLabels.length > 2
      ? `${mutedLabels.slice(0, 2).join(", ")} +${mutedLabels.length - 2}`
      : mutedLabels.join(", ");
    let fresh = 0;
    for (const kind of this.arrivedWhilePaused.values()) if (view.isShown(kind)) fresh += 1;
    const groupCounts = new Map();
    for (const ev of rows) {
      const g = view.groupOf(ev.kind);
      if (g) groupCounts.set(g, (groupCounts.get(g) || 0) + 1);
    }
    return {
      rows,
      parts,
      paused,
      /** Ids of the shown rows that stand out. */
      unseen,
      filterOn,
      showAllText: parts.filtered.length
        ? `${parts.filtered.length} hidden by filter · show all`
        : "Filter on · show all",
      mutedLabels,
      mutedNote: parts.muted.length ? `${parts.muted.length} muted (${names})` : `Muted: ${names}`,
      /** The filter button says that some choice hides rows. */
      choicesActive: filterOn || mutedLabels.length > 0,
      hiddenCount: parts.filtered.length + parts.muted.length,
      /** With rows but none shown: why (without rows the page says what it listens for). */
      allHiddenText: rows.length === 0
        ? null
        : `All ${rows.length} recent events are hidden (${parts.filtered.length} by the filter, ${parts.muted.length} muted).`,
      /** Shown rows that came in while paused. */
      fresh,
      pillText: `↑ ${fresh > 99 ? "99+" : fresh} new`,
      pausedStatus: paused && fresh ? `${fresh} new events while paused` : "",
      /** Rows on screen per group, for the filter menu. */
      groupCounts,
    };
  }
}

/** What the strip under the header says about the EventSub connection, or null when it says
 * nothing: while no session serves the panel and the core knows why (a lost socket, Twitch
 * refusing a fourth connection for this account and app, an unreachable token endpoint), the
 * reason in full — the chip above has room for the state only. A failed state (signed out, …)
 * is in the chip itself. `c` is the core's `ConnectionState` as the page receives it. */
export function connectionNote(c) {
  if (!c || c.state !== "reconnecting" || !c.reason) return null;
  return `Not receiving events: ${c.reason}`;
}
