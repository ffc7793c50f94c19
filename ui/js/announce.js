// What a screen reader hears when events come in, with no DOM: the events panel's new rows are
// said in one summary at most once a second (a raid or a gift bomb brings many rows at once, and
// a live region that spoke each row would talk over itself for as long as the burst lasts). The
// streamer page (streamer.js) gives it the new rows' summaries and writes what it returns into a
// visually hidden status line (docs/ui.md "Accessibility"); `tests/ui/` runs it in Node.

/** The least time between two announcements, in milliseconds. */
export const ANNOUNCE_GAP_MS = 1000;

/** How many rows a summary names before it says "and N more". */
const NAMED = 3;

/**
 * The sentence for new rows (their summaries, newest first): "New event: …" for one,
 * "3 new events: …; …; …" for several, naming the first three.
 */
export function announcement(summaries) {
  const said = summaries.filter((s) => typeof s === "string" && s.trim() !== "");
  if (said.length === 0) return "";
  if (said.length === 1) return `New event: ${said[0]}`;
  const named = said.slice(0, NAMED).join("; ");
  const more = said.length - NAMED;
  return `${said.length} new events: ${named}${more > 0 ? `; and ${more} more` : ""}`;
}

/**
 * Collects new rows and says them at most once per `gapMs`: rows that come within the gap after
 * an announcement wait, and are said together when it is over.
 */
export class Announcer {
  constructor(gapMs = ANNOUNCE_GAP_MS) {
    this.gapMs = gapMs;
    /** Summaries not said yet, newest first. */
    this.pending = [];
    /** When the last announcement was made (ms, the caller's clock). */
    this.lastAt = -Infinity;
  }

  /** Notes new rows (summaries, newest first) at `now`; returns `wait(now)`. */
  add(summaries, now) {
    this.pending = [...summaries, ...this.pending];
    return this.wait(now);
  }

  /** Milliseconds until `take` has something to say: 0 now, null when nothing waits. */
  wait(now) {
    if (this.pending.length === 0) return null;
    return Math.max(0, this.lastAt + this.gapMs - now);
  }

  /** The sentence to say at `now`, or null (nothing waits, or the last one was too recent). */
  take(now) {
    if (this.wait(now) !== 0) return null;
    const text = announcement(this.pending);
    this.pending = [];
    if (!text) return null;
    this.lastAt = now;
    return text;
  }

  /** Forgets what waits (the rows were said some other way, e.g. while paused). */
  clear() {
    this.pending = [];
  }
}
