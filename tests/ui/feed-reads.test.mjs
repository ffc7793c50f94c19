// Unit tests of the panel's frame-paced reads (ui/js/panel.js `FeedReads`): the first `feed`
// signal is read at once, later ones at most once per frame, and a change signalled during a read
// is always read after it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { pageModule } from "./page-module.mjs";

const { FeedReads } = await pageModule("panel.js");

/** Frames the test draws by hand: `next()` is what the page waits on, `draw()` runs a frame. */
class Frames {
  constructor() {
    this.waiting = [];
    this.requested = 0;
  }
  next = () => {
    this.requested += 1;
    return new Promise((resolve) => this.waiting.push(resolve));
  };
  async draw() {
    const w = this.waiting.splice(0);
    for (const resolve of w) resolve();
    await flush();
  }
}

/** One turn of the event loop: a simulated IPC reply. */
function settle() {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Lets everything that waits on no frame run to its end (a read takes two turns). */
async function flush() {
  for (let i = 0; i < 8; i++) await settle();
}

/** Draws frames until the pacing stopped. */
async function untilIdle(pacer, frames) {
  for (let i = 0; pacer.busy && i < 100; i++) await frames.draw();
  await pacer.done;
}

/** A core whose rows are a counter, and a panel reading it: `shown` is what it drew. */
function panel(frames) {
  const core = { version: 0 };
  const p = { shown: -1, reads: 0, inRead: null };
  p.pacer = new FeedReads(async () => {
    p.reads += 1;
    // The IPC round trip: the reply is the core's rows as the read finds them.
    await settle();
    const v = core.version;
    if (p.inRead) p.inRead();
    await settle();
    p.shown = v;
  }, frames.next);
  return { core, p };
}

test("the first signal is read and drawn at once, without waiting for a frame", async () => {
  const frames = new Frames();
  const { core, p } = panel(frames);
  core.version = 1;
  p.pacer.signal();
  await flush();
  assert.equal(p.reads, 1);
  assert.equal(p.shown, 1, "drawn before any frame came");
});

test("signals during a read are gathered into one more read at the next frame", async () => {
  const frames = new Frames();
  const { core, p } = panel(frames);
  core.version = 1;
  p.pacer.signal();
  for (let v = 2; v <= 6; v++) {
    core.version = v;
    p.pacer.signal();
  }
  await flush();
  assert.equal(p.reads, 1, "no second read within the frame");
  await frames.draw();
  await frames.draw();
  assert.equal(p.reads, 2, "one more read for all five signals");
  assert.equal(p.shown, 6, "it shows the newest rows");
  await untilIdle(p.pacer, frames);
  assert.equal(p.reads, 2, "and none after it");
});

test("a change signalled while its read is under way is read after it", async () => {
  const frames = new Frames();
  const { core, p } = panel(frames);
  // The change lands after the read took the rows, before its reply is drawn.
  p.inRead = () => {
    p.inRead = null;
    core.version = 2;
    p.pacer.signal();
  };
  core.version = 1;
  p.pacer.signal();
  await flush();
  assert.equal(p.shown, 1, "the first read drew what it found");
  await frames.draw();
  await frames.draw();
  assert.equal(p.shown, 2, "the change in between was read at the next frame");
});

test("at any rate of signals the panel reads at most once per frame", async () => {
  const frames = new Frames();
  const { core, p } = panel(frames);
  let drawn = 0;
  for (let i = 1; i <= 500; i++) {
    core.version = i;
    p.pacer.signal();
    await settle();
    if (i % 25 === 0) {
      await frames.draw();
      drawn += 1;
    }
  }
  await untilIdle(p.pacer, frames);
  assert.ok(p.reads <= drawn + 1, `${p.reads} reads in ${drawn} frames`);
  assert.ok(p.reads >= drawn / 2, `it kept up: ${p.reads} reads in ${drawn} frames`);
  assert.equal(p.shown, 500, "the last change was read");
});

test("an idle panel waits for no frame, and a failed read does not stop later ones", async () => {
  const frames = new Frames();
  const errors = [];
  let fail = true;
  const pacer = new FeedReads(
    async () => {
      if (fail) throw { code: "internal", message: "no" };
    },
    frames.next,
    (e) => errors.push(e),
  );
  assert.equal(frames.requested, 0);
  pacer.signal();
  await flush();
  await untilIdle(pacer, frames);
  assert.equal(errors.length, 1, "the error was shown");
  assert.equal(frames.requested, 1, "one frame waited for, after the one read");
  fail = false;
  pacer.signal();
  await flush();
  await untilIdle(pacer, frames);
  assert.equal(pacer.reads, 2, "the next signal read again");
  assert.equal(frames.requested, 2, "and nothing is pending once idle");
});
