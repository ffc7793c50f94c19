// Unit tests of the pages' pure modules (no DOM, no IPC), run by `.dev/test` with Node's own
// test runner: `node --test tests/ui/`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { pageModule } from "./page-module.mjs";

const { relativeTime, msUntilRelativeChange } = await pageModule("events.js");

const at = Date.parse("2026-11-28T12:00:00Z");
const iso = new Date(at).toISOString();

test("relative labels step from 'just now' through minutes and hours to a date", () => {
  assert.equal(relativeTime(iso, at + 44_000), "just now");
  assert.equal(relativeTime(iso, at + 45_000), "1 min ago");
  assert.equal(relativeTime(iso, at + 89_000), "1 min ago");
  assert.equal(relativeTime(iso, at + 90_000), "2 min ago");
  assert.equal(relativeTime(iso, at + 3_570_000), "1 h ago");
  assert.ok(!/ago|now/.test(relativeTime(iso, at + 24 * 3_600_000)));
});

test("the next change is found to the millisecond, at each kind of step", () => {
  // round(s) reaches 45 at 44.5 s; minutes step half-way between them; hours likewise.
  for (const [age, step] of [[0, 44_500], [44_500, 89_500], [100_000, 149_500], [3_550_000, 3_569_500]]) {
    const wait = msUntilRelativeChange(iso, at + age);
    assert.equal(age + wait, step, `from age ${age} ms`);
    assert.equal(relativeTime(iso, at + age + wait - 1), relativeTime(iso, at + age));
    assert.notEqual(relativeTime(iso, at + age + wait), relativeTime(iso, at + age));
  }
});

test("nothing to wake for: a date label, an unreadable time, or a change past the horizon", () => {
  assert.equal(msUntilRelativeChange(iso, at + 30 * 3_600_000), 3_600_000);
  assert.equal(msUntilRelativeChange("not a time", at), 3_600_000);
  // 2 h old: the label moves to "3 h ago" at 2.5 h, past a 10-minute horizon.
  assert.equal(msUntilRelativeChange(iso, at + 7_200_000, 600_000), 600_000);
});

test("every wait leads to a different label, and never skips one (random ages)", () => {
  let seed = 42;
  const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  for (let i = 0; i < 2000; i += 1) {
    const age = Math.floor(rand() * 26 * 3_600_000);
    const wait = msUntilRelativeChange(iso, at + age);
    const before = relativeTime(iso, at + age);
    if (wait < 3_600_000) {
      assert.notEqual(relativeTime(iso, at + age + wait), before);
      assert.equal(relativeTime(iso, at + age + wait - 1), before);
    } else {
      assert.equal(relativeTime(iso, at + age + wait), before);
    }
  }
});
