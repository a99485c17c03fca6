// The shared flush behind the embedded database's durability: nobody is answered by a flush that began before they
// asked, and callers that arrive together share flushes instead of queueing one each.
import { expect, test } from "vitest";
import { SharedSync } from "../../src/server/store/shared-sync.ts";

/** A flush whose end the test decides, recording when each began. */
function controlledFlush() {
  const started: number[] = [];
  const finishers: (() => void)[] = [];
  let clock = 0;
  return {
    started,
    tick: () => ++clock,
    flush: () =>
      new Promise<void>((resolve) => {
        started.push(clock);
        finishers.push(resolve);
      }),
    finishNext: async () => {
      finishers.shift()!();
      await new Promise((r) => setTimeout(r, 0));
    },
  };
}

test("a caller is answered only by a flush that started after it asked; callers meanwhile share one", async () => {
  const f = controlledFlush();
  const sync = new SharedSync(f.flush);
  const answeredAt: Record<string, number> = {};
  const ask = (name: string) => {
    const askedAt = f.tick();
    void sync.sync().then(() => (answeredAt[name] = askedAt));
  };
  ask("a");
  expect(f.started).toHaveLength(1);
  // b, c and d ask while a's flush runs: it may have missed their writes, so they wait for the next one, together.
  ask("b");
  ask("c");
  ask("d");
  expect(f.started).toHaveLength(1);
  await f.finishNext();
  expect(Object.keys(answeredAt)).toEqual(["a"]);
  expect(f.started).toHaveLength(2);
  expect(f.started[1]).toBeGreaterThanOrEqual(4);
  await f.finishNext();
  expect(Object.keys(answeredAt).sort()).toEqual(["a", "b", "c", "d"]);
  expect(f.started).toHaveLength(2);
  await sync.idle();
});

test("a failed flush rejects its callers, and the next caller gets a fresh one", async () => {
  let fail = true;
  let flushes = 0;
  const sync = new SharedSync(async () => {
    flushes++;
    if (fail) throw new Error("disk gone");
  });
  await expect(sync.sync()).rejects.toThrow("disk gone");
  fail = false;
  await expect(sync.sync()).resolves.toBeUndefined();
  expect(flushes).toBe(2);
});
