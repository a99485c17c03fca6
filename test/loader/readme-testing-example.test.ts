// The README's testing-kit example, word for word but for the path of the integrator's module: the package is
// imported by its own name, so this runs against the built entries (dist/), as an integrator's test would.
import { expect, test, vi } from "vitest";
import HumanConnect from "human-connect";
import type { FakeConnect } from "human-connect/testing";
import { connectHealthData } from "./fixtures/connect-health-data.ts"; // your code, which calls HumanConnect.open()

vi.mock("human-connect", async () => {
  const fake = (await import("human-connect/testing")).createFakeConnect();
  return { default: fake, open: fake.open, close: fake.close, preload: fake.preload };
});
const fake = HumanConnect as unknown as FakeConnect;

test("saves the sources the user connected", async () => {
  const saved = connectHealthData("token-from-your-backend");
  expect(fake.options?.token).toBe("token-from-your-backend");
  fake.ready();
  fake.connectSource({ name: "Starfleet Pharmacy", id: "5b1daf3f079c652eaf41fd23" });
  fake.finish("SUCCESS");
  expect(await saved).toStrictEqual([{ name: "Starfleet Pharmacy", id: "5b1daf3f079c652eaf41fd23" }]);
});
