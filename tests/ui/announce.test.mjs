// Unit tests of what a screen reader hears as events come in (ui/js/announce.js): one summary
// at most once a second, naming the first rows of a burst.
import { test } from "node:test";
import assert from "node:assert/strict";
import { pageModule } from "./page-module.mjs";

const { Announcer, announcement, ANNOUNCE_GAP_MS } = await pageModule("announce.js");

test("one new row is said with its summary", () => {
  assert.equal(announcement(["Zote raided with 12 viewers"]), "New event: Zote raided with 12 viewers");
});

test("a burst is one sentence that counts the rows and names the first three", () => {
  assert.equal(announcement(["a", "b"]), "2 new events: a; b");
  assert.equal(announcement(["a", "b", "c", "d", "e"]), "5 new events: a; b; c; and 2 more");
  assert.equal(announcement([]), "");
  assert.equal(announcement(["", "  "]), "");
});

test("the first rows are said at once, rows within the next second wait and are said together", () => {
  const a = new Announcer();
  assert.equal(a.add(["first"], 10_000), 0);
  assert.equal(a.take(10_000), "New event: first");
  // Three more rows, one every 100 ms: none is said on its own.
  for (const [i, t] of [[1, 10_100], [2, 10_200], [3, 10_300]]) {
    assert.equal(a.add([`row ${i}`], t), 10_000 + ANNOUNCE_GAP_MS - t);
    assert.equal(a.take(t), null, `row ${i} said alone`);
  }
  assert.equal(a.take(10_999), null, "said twice within a second");
  assert.equal(a.take(11_000), "3 new events: row 3; row 2; row 1");
  assert.equal(a.take(12_500), null, "nothing new, nothing said");
  assert.equal(a.wait(12_500), null);
});

test("no two announcements are less than a second apart, however the rows come", () => {
  const a = new Announcer();
  const said = [];
  let rows = 0;
  // 300 rows over 6 s at irregular intervals, the page asking whenever its timer fires.
  for (let t = 0; t < 6000; t += 7 + (t % 13)) {
    a.add([`row ${rows++}`], t);
    const text = a.take(t);
    if (text) said.push(t);
  }
  const text = a.take(7000);
  if (text) said.push(7000);
  for (let i = 1; i < said.length; i += 1) {
    assert.ok(said[i] - said[i - 1] >= ANNOUNCE_GAP_MS, `announced at ${said[i - 1]} and ${said[i]}`);
  }
  assert.ok(said.length >= 6 && said.length <= 8, `${said.length} announcements for 6 s of rows`);
});

test("rows dropped while paused are not said later", () => {
  const a = new Announcer();
  a.add(["x"], 0);
  a.clear();
  assert.equal(a.take(5000), null);
});
