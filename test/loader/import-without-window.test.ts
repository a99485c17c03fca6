import { expect, test } from "vitest";

test("the npm entry imports where there is no window and touches nothing", async () => {
  expect(typeof (globalThis as { window?: unknown }).window).toBe("undefined");
  const mod = await import("../../src/loader/index.ts");
  expect(Object.keys(mod).sort()).toStrictEqual(["close", "default", "open", "preload"]);
  expect(Object.keys(mod.default).sort()).toStrictEqual(["close", "open", "preload"]);
  expect(() => mod.close()).not.toThrow();
});
