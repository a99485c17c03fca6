import { describe, expect, it } from "vitest";
import { SOURCE_TYPES } from "../../src/protocol/connect-api.ts";
import { generateSandboxCatalog } from "../../src/server/catalog/sandbox-catalog.ts";
import { US_CITIES, US_STATE_NAMES } from "../../src/server/catalog/us-places.ts";

const catalog = generateSandboxCatalog();

describe("generateSandboxCatalog", () => {
  it("holds 50,000 sources by default", () => {
    expect(catalog).toHaveLength(50_000);
  });

  it("is deterministic, and a smaller catalog is the start of a larger one", () => {
    expect(generateSandboxCatalog(50_000)).toEqual(catalog);
    expect(generateSandboxCatalog(1_000)).toEqual(catalog.slice(0, 1_000));
  });

  it("includes the fixed sources with their documented ids and behaviour", () => {
    const byId = new Map(catalog.map((s) => [s.id, s]));
    expect(byId.get("5b1daf3f079c652eaf41fd23")).toMatchObject({
      name: "Starfleet Pharmacy", type: "pharmacy", auth: "credentials", behavior: "normal",
    });
    expect(byId.get("54dc427aaa6b4cb7d6203061")).toMatchObject({
      name: "Cleveland Clinic", type: "hospital", city: "Cleveland", state: "OH", auth: "credentials", behavior: "normal",
    });
    expect(byId.get("5b1daf3f079c652eaf41fd24")).toMatchObject({
      name: "Enterprise Medical Labs", type: "lab", auth: "credentials_mfa",
    });
    expect(byId.get("5b1daf3f079c652eaf41fd25")).toMatchObject({ name: "Holodeck Fitness", type: "wearable", auth: "oauth" });
    expect(byId.get("5b1daf3f079c652eaf41fd26")).toMatchObject({
      name: "Romulan Health Plan", type: "insurer", behavior: "unavailable",
    });
    expect(byId.get("5b1daf3f079c652eaf41fd27")).toMatchObject({ name: "Vulcan Slow Clinic", type: "clinic", behavior: "slow" });
  });

  it("ranks a few working sources of every type as popular, the fixed ones first, the same in a smaller catalog", () => {
    const ranked = catalog.filter((s) => s.rank !== undefined).sort((a, b) => a.rank! - b.rank!);
    expect(ranked.slice(0, 4).map((s) => s.name)).toEqual(["Starfleet Pharmacy", "Cleveland Clinic", "Holodeck Fitness", "Enterprise Medical Labs"]);
    expect(ranked.map((s) => s.rank)).toEqual(ranked.map((_, i) => i));
    expect(ranked.every((s) => s.behavior === "normal")).toBe(true);
    for (const type of SOURCE_TYPES) expect(ranked.filter((s) => s.type === type).length).toBeGreaterThanOrEqual(3);
    const small = generateSandboxCatalog(2_000)
      .filter((s) => s.rank !== undefined)
      .sort((a, b) => a.rank! - b.rank!);
    expect(small).toEqual(ranked);
  });

  it("gives every source a unique 24-hex id and a unique name within its city", () => {
    expect(catalog.every((s) => /^[0-9a-f]{24}$/.test(s.id))).toBe(true);
    expect(new Set(catalog.map((s) => s.id)).size).toBe(catalog.length);
    expect(new Set(catalog.map((s) => `${s.name}|${s.city}|${s.state}`)).size).toBe(catalog.length);
    const fixedNames = ["Starfleet Pharmacy", "Cleveland Clinic", "Enterprise Medical Labs", "Holodeck Fitness"];
    for (const name of fixedNames) expect(catalog.filter((s) => s.name === name)).toHaveLength(1);
  });

  it("places generated sources in real US cities with valid state codes", () => {
    const cities = new Set(US_CITIES.map(([city, state]) => `${city}|${state}`));
    const generated = catalog.slice(6);
    expect(generated.every((s) => cities.has(`${s.city}|${s.state}`))).toBe(true);
    expect(catalog.every((s) => s.state in US_STATE_NAMES)).toBe(true);
    expect(catalog.every((s) => s.name.length > 0 && s.name.length <= 200 && s.description.length > 0)).toBe(true);
  });

  it("mixes every type, auth method and sandbox behaviour in plausible shares", () => {
    const share = (predicate: (s: (typeof catalog)[number]) => boolean, of = catalog) =>
      of.filter(predicate).length / of.length;
    for (const type of SOURCE_TYPES) expect(share((s) => s.type === type)).toBeGreaterThan(0.03);
    expect(share((s) => s.auth === "credentials")).toBeGreaterThan(0.5);
    expect(share((s) => s.auth === "credentials_mfa")).toBeGreaterThan(0.1);
    const wearables = catalog.filter((s) => s.type === "wearable");
    expect(share((s) => s.auth === "oauth", wearables)).toBeGreaterThan(0.6);
    const unavailable = share((s) => s.behavior === "unavailable");
    expect(unavailable).toBeGreaterThan(0.01);
    expect(unavailable).toBeLessThan(0.06);
    const slow = catalog.filter((s) => s.behavior === "slow");
    expect(slow.length).toBeGreaterThan(1);
    // One kind is slow: the Vulcan clinics, and nothing else.
    expect(slow.every((s) => s.type === "clinic" && s.name.startsWith("Vulcan "))).toBe(true);
    expect(catalog.filter((s) => s.name.startsWith("Vulcan ")).every((s) => s.behavior === "slow")).toBe(true);
  });

  it("generates 200,000 sources with unique ids", () => {
    const large = generateSandboxCatalog(200_000);
    expect(large).toHaveLength(200_000);
    expect(new Set(large.map((s) => s.id)).size).toBe(200_000);
    expect(large.slice(0, 50_000)).toEqual(catalog);
  });
});
