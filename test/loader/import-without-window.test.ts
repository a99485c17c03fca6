import { expect, test } from "vitest";

test("the npm entry imports where there is no window and touches nothing", async () => {
  expect(typeof (globalThis as { window?: unknown }).window).toBe("undefined");
  const mod = await import("../../src/loader/index.ts");
  expect(Object.keys(mod).sort()).toStrictEqual(["close", "default", "open", "preload"]);
  expect(Object.keys(mod.default).sort()).toStrictEqual(["close", "open", "preload"]);
  expect(() => mod.close()).not.toThrow();
});

test("the React and testing entries import where there is no window too", async () => {
  expect(typeof (globalThis as { document?: unknown }).document).toBe("undefined");
  expect(Object.keys(await import("../../src/react/index.ts"))).toStrictEqual(["useHumanConnect"]);
  const testing = await import("../../src/testing/index.ts");
  expect(Object.keys(testing)).toStrictEqual(["createFakeConnect"]);
  // The fake needs no DOM at all.
  const fake = testing.createFakeConnect();
  fake.open({ token: "t" });
  expect(fake.finish().status).toBe("SUCCESS");
});
