// Unit tests of the events panel's state (ui/js/panel.js): the feed choices' rule, checked
// against the cases the core is tested with too (feed-rules.json, with the core's kind table
// in kinds.json; see src-tauri/core/tests/panel_rules.rs), and what the panel counts and says.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture, pageModule } from "./page-module.mjs";

const { FeedView, KindLooks, Panel } = await pageModule("panel.js");
const { kinds, groups } = await fixture("kinds.json");
const rules = await fixture("feed-rules.json");

/** A row of the feed as the core sends it (only what the panel reads). */
function row(id, kind, occurred_at = "2026-11-28T12:00:00Z") {
  return { id, kind, occurred_at };
}

test("filter and mute hide rows as the cases shared with the core say", () => {
  assert.ok(rules.visibility.length >= 20);
  for (const c of rules.visibility) {
    const view = new FeedView(groups, c.prefs);
    const what = JSON.stringify(c);
    assert.equal(view.isShown(c.kind), c.shown, `shown: ${what}`);
    assert.equal(view.isMuted(c.kind), c.muted, `muted: ${what}`);
    assert.equal(view.isFiltered(c.kind), !c.shown && !c.muted, `filtered: ${what}`);
  }
});

test("minimum amounts hide smaller rows as the cases shared with the core say", () => {
  assert.ok(rules.minimums.length >= 10);
  for (const c of rules.minimums) {
    const view = new FeedView(groups, c.prefs);
    const ev = { id: "e1", kind: c.kind, occurred_at: "2026-11-28T12:00:00Z", details: c.details };
    const what = JSON.stringify(c);
    assert.equal(view.isRowShown(ev), c.shown, `shown: ${what}`);
    const parts = view.split([ev]);
    const where = parts.shown.length ? "shown" : parts.muted.length ? "muted" : "filtered";
    const want = c.shown ? "shown" : view.isMuted(c.kind) ? "muted" : "filtered";
    assert.equal(where, want, `counted as: ${what}`);
  }
});

test("rows after the seen mark stand out as the cases shared with the core say", () => {
  for (const c of rules.seen) {
    const seen = c.mark === null ? null : { id: "e1", at: c.mark };
    const view = new FeedView(groups, { seen });
    assert.equal(view.isUnseen(row("x", c.kind, c.occurred_at)), !c.seen, JSON.stringify(c));
  }
});

test("gap rows never stand out and belong to no group; unknown kinds are 'other'", () => {
  const view = new FeedView(groups, {});
  assert.equal(view.isUnseen(row("gap:1", "gap")), false);
  assert.equal(view.isUnseen(row("e1", "follow")), true, "no mark: every other row is new");
  assert.equal(view.groupOf("gap"), null);
  assert.equal(view.groupOf("a_kind_of_tomorrow"), "other");
  for (const k of kinds) assert.equal(view.groupOf(k.name), k.group, k.name);
});

test("each kind is drawn with the core's glyph and colour; unknown kinds as 'other'", () => {
  const looks = new KindLooks(kinds);
  assert.ok(kinds.length > 20);
  for (const k of kinds) assert.deepEqual(looks.look(k.name), { glyph: k.glyph, family: k.family });
  const other = kinds.find((k) => k.name === "other");
  assert.deepEqual(looks.look("a_kind_of_tomorrow"), { glyph: other.glyph, family: other.family });
  assert.deepEqual(new KindLooks().look("follow"), { glyph: "", family: "" }, "no table yet");
});

test("the panel counts what the filter hides and names what is muted", () => {
  const panel = new Panel(new FeedView(groups, { hidden: ["raids"], muted: ["subs"] }));
  const st = panel.update([row("r", "raid_incoming"), row("s", "sub"), row("f", "follow"), row("g", "gap")]);
  assert.deepEqual(st.parts.shown.map((ev) => ev.id), ["f", "g"]);
  assert.equal(st.showAllText, "1 hidden by filter · show all");
  assert.equal(st.mutedNote, "1 muted (Subs & gifts)");
  assert.equal(st.hiddenCount, 2);
  assert.ok(st.filterOn && st.choicesActive);
  assert.equal(st.groupCounts.get("raids"), 1);
  assert.equal(st.groupCounts.get("follows"), 1);
  assert.equal([...st.groupCounts.values()].reduce((a, b) => a + b), 3, "gaps are in no group");

  // A filter that hides nothing on screen still says it is on; a mute with nothing muted names it.
  panel.view = panel.view.with({ hidden: ["polls", "subs"] });
  const quiet = panel.update([row("f", "follow")]);
  assert.equal(quiet.showAllText, "Filter on · show all");
  assert.equal(quiet.mutedNote, "Muted: Subs & gifts");
  // A group both muted and filtered counts as muted only, and does not turn the filter on.
  panel.view = panel.view.with({ hidden: ["subs"] });
  assert.equal(panel.update().filterOn, false);
});

test("past two muted groups the note names two and counts the rest", () => {
  const panel = new Panel(new FeedView(groups, { muted: ["follows", "stream", "cheers", "hype"] }));
  const st = panel.update([row("f", "follow")]);
  assert.equal(st.mutedNote, "1 muted (Stream state, Cheers & bits +2)", "in menu order");
  assert.deepEqual(st.mutedLabels, ["Stream state", "Cheers & bits", "Follows", "Hype trains"]);
});

test("with every row hidden the panel says why; with none it leaves the words to the page", () => {
  const panel = new Panel(new FeedView(groups, { hidden: ["follows"], muted: ["raids"] }));
  assert.equal(panel.update([]).allHiddenText, null);
  const st = panel.update([row("f", "follow"), row("r", "raid_incoming")]);
  assert.equal(st.parts.shown.length, 0);
  assert.equal(st.allHiddenText, "All 2 recent events are hidden (1 by the filter, 1 muted).");
});

test("only shown rows after the seen mark stand out, and 'seen' marks the newest shown row", () => {
  const seen = { id: "old", at: "2026-11-28T12:00:00Z" };
  const panel = new Panel(new FeedView(groups, { seen, hidden: ["cheers"] }));
  const st = panel.update([
    row("c", "cheer", "2026-11-28T12:03:00Z"),
    row("f", "follow", "2026-11-28T12:02:00Z"),
    row("g", "gap", "2026-11-28T12:01:30Z"),
    row("old", "sub", "2026-11-28T12:00:00Z"),
  ]);
  assert.deepEqual([...st.unseen], ["f"]);
  assert.deepEqual(panel.seenMark(), { id: "f", at: "2026-11-28T12:02:00Z" }, "not the hidden cheer");
  panel.view = panel.view.with({ seen: panel.seenMark() });
  assert.equal(panel.update().unseen.size, 0);
  assert.equal(new Panel().seenMark(), null, "no rows, no mark");
  assert.equal(FeedView.newestMark([row("x", "follow", "not a time")]), null);
});

test("paused, the rows on screen stay and only shown newcomers are counted", () => {
  const panel = new Panel(new FeedView(groups, { muted: ["follows"] }));
  panel.update([row("a", "sub")]);
  panel.freeze();
  panel.view = panel.view.with({ paused: true });
  let st = panel.update([row("c", "follow"), row("b", "raid_incoming"), row("a", "sub")]);
  assert.deepEqual(st.rows.map((ev) => ev.id), ["a"], "the list stays as it was");
  assert.equal(st.fresh, 1, "the muted follow is not news");
  assert.equal(st.pillText, "↑ 1 new");
  assert.equal(st.pausedStatus, "1 new events while paused");
  // The same rows read again are not counted twice.
  assert.equal(panel.update([row("c", "follow"), row("b", "raid_incoming"), row("a", "sub")]).fresh, 1);

  const flood = Array.from({ length: 150 }, (_, i) => row(`n${i}`, "cheer"));
  assert.equal(panel.update(flood).pillText, "↑ 99+ new");
  panel.jumpToNewest();
  st = panel.update();
  assert.equal(st.rows.length, 150, "the newest rows are on screen");
  assert.equal(st.fresh, 0);
  assert.equal(st.pausedStatus, "");
});

test("what came in while paused is remembered up to a bound", () => {
  const panel = new Panel(new FeedView(groups, { paused: true }));
  panel.update([]);
  for (let burst = 0; burst < 12; burst += 1) {
    panel.update(Array.from({ length: 100 }, (_, i) => row(`b${burst}-${i}`, "follow")));
  }
  assert.equal(panel.arrivedWhilePaused.size, 1000);
});

test("the filter menu ticks shown groups and greys out muted ones; toggles change one list", () => {
  const view = new FeedView(groups, { hidden: ["raids", "subs"], muted: ["subs"], moderator_view: true });
  const menu = view.menu();
  assert.deepEqual(menu.map((g) => g.id), groups.map((g) => g.id), "in the core's order");
  const byId = Object.fromEntries(menu.map((g) => [g.id, g]));
  assert.deepEqual(byId.raids, { id: "raids", label: "Raids & shoutouts", muted: false, shown: false });
  assert.equal(byId.subs.muted && !byId.subs.shown, true);
  assert.equal(byId.follows.shown, true);

  assert.deepEqual(view.filterChange("raids", true), { hidden: ["subs"] });
  assert.deepEqual(view.filterChange("polls", false), { hidden: ["raids", "subs", "polls"] });
  assert.deepEqual(view.muteChange("subs", false), { muted: [] });
  assert.deepEqual(view.muteChange("follows", true), { muted: ["subs", "follows"] });
  const next = view.with({ paused: true });
  assert.equal(next.prefs.paused, true);
  assert.deepEqual(next.prefs.hidden, ["raids", "subs"], "the other choices are kept");
  assert.equal(view.prefs.paused, false, "the old view is unchanged");
});

test("choices of the wrong shape fall back to the defaults", () => {
  const view = new FeedView(groups, {
    hidden: "raids", muted: null, seen: { id: "x" }, paused: "yes", moderator_view: 1,
    minimums: { raid_viewers: -3, cheer_bits: 2.5, gift_subs: "10", resub_months: 6, other: 4 },
  });
  assert.deepEqual(view.prefs, {
    hidden: [], muted: [], seen: null, paused: false, moderator_view: false,
    minimums: { resub_months: 6 },
  });
});

const { connectionNote } = await pageModule("panel.js");

test("the strip under the header says why no session serves the panel, and only then", () => {
  const too_many = "Twitch allows three connections per account and app: close another copy " +
    "of Twitch Event Viewer (or tev watch) signed in to this account";
  assert.equal(
    connectionNote({ state: "reconnecting", next_try_at: "2026-12-07T18:00:00Z", reason: too_many }),
    `Not receiving events: ${too_many}`,
  );
  assert.equal(connectionNote({ state: "reconnecting", next_try_at: "2026-12-07T18:00:00Z", reason: "" }), null);
  assert.equal(connectionNote({ state: "connected" }), null);
  assert.equal(connectionNote({ state: "failed", reason: "signed out" }), null, "the chip says it");
  assert.equal(connectionNote(null), null);
});

test("the filter menu lists the moderation group only in the moderator view", () => {
  assert.ok(groups.some((g) => g.id === "moderation"), "the core's groups have it");
  const viewer = new FeedView(groups, {}).menu().map((g) => g.id);
  assert.ok(!viewer.includes("moderation"), viewer.join());
  assert.equal(viewer.length, groups.length - 1);
  const moderator = new FeedView(groups, { moderator_view: true }).menu();
  const m = moderator.find((g) => g.id === "moderation");
  assert.deepEqual([m.label, m.shown, m.muted], ["Moderation", true, false]);
});

test("outside the moderator view a stored moderation row counts as hidden by the filter", () => {
  const panel = new Panel(new FeedView(groups, {}));
  const st = panel.update([row("m", "mod_action"), row("r", "raid_incoming")]);
  assert.deepEqual(st.parts.shown.map((ev) => ev.id), ["r"]);
  assert.deepEqual(st.parts.filtered.map((ev) => ev.id), ["m"]);
  const on = new Panel(new FeedView(groups, { moderator_view: true }));
  assert.deepEqual(on.update([row("m", "mod_action")]).parts.shown.map((ev) => ev.id), ["m"]);
});
