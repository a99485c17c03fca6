import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { APP_SEARCH_PAGE_SIZE, type SourceType } from "../../src/protocol/connect-api.ts";
import { LiveCatalog } from "../../src/server/catalog/live-catalog.ts";
import { normalizeText } from "../../src/server/catalog/normalize.ts";
import { generateSandboxCatalog } from "../../src/server/catalog/sandbox-catalog.ts";
import { SourceSearchIndex } from "../../src/server/catalog/search-index.ts";
import type { SourceRecord } from "../../src/server/catalog/types.ts";
import { openStore } from "../../src/server/store/open-store.ts";

const CLEVELAND_CLINIC = "54dc427aaa6b4cb7d6203061";
const STARFLEET_PHARMACY = "5b1daf3f079c652eaf41fd23";

let catalog: SourceRecord[];
let index: SourceSearchIndex;

beforeAll(() => {
  catalog = generateSandboxCatalog(50_000);
  index = new SourceSearchIndex(catalog);
});

function all(query: string, type: SourceType | null = null): SourceRecord[] {
  const { total } = index.search({ query, type, page: 1, perPage: 1 });
  return index.search({ query, type, page: 1, perPage: Math.max(1, total) }).results;
}

function source(id: string, name: string, city = "Denver", state = "CO", type: SourceType = "clinic"): SourceRecord {
  return { id, name, type, city, state, auth: "credentials", description: "", behavior: "normal" };
}

const hex = (n: number) => n.toString(16).padStart(24, "0");

describe("SourceSearchIndex over the sandbox catalog", () => {
  it("finds Cleveland Clinic first despite typos in both words", () => {
    const { results } = index.search({ query: "clevland clinc", page: 1, perPage: 20 });
    expect(results[0]?.id).toBe(CLEVELAND_CLINIC);
  });

  it("finds Starfleet Pharmacy from a misspelt word", () => {
    const { results } = index.search({ query: "starflet", page: 1, perPage: 20 });
    expect(results[0]?.id).toBe(STARFLEET_PHARMACY);
  });

  it("puts the exact name first", () => {
    for (const query of ["Cleveland Clinic", "cleveland clinic", "CLEVELAND  clinic!"]) {
      expect(index.search({ query, page: 1, perPage: 5 }).results[0]?.id).toBe(CLEVELAND_CLINIC);
    }
  });

  it("finds pharmacies in Boston from a misspelt type and a city", () => {
    const found = all("pharmcy boston");
    expect(found.length).toBeGreaterThan(10);
    const bostonPharmacies = catalog.filter((s) => s.type === "pharmacy" && s.city === "Boston" && s.state === "MA");
    const foundIds = new Set(found.map((s) => s.id));
    expect(bostonPharmacies.length).toBeGreaterThan(10);
    expect(bostonPharmacies.every((s) => foundIds.has(s.id))).toBe(true);
    const firstPage = index.search({ query: "pharmcy boston", page: 1, perPage: 20 }).results;
    for (const s of firstPage) {
      expect(s.type).toBe("pharmacy");
      expect(s.city === "Boston" || s.name.toLowerCase().includes("boston")).toBe(true);
    }
  });

  it("finds the same sources whatever the order of the words", () => {
    const ids = (query: string) => all(query).map((s) => s.id).sort();
    expect(ids("boston pharmacy")).toEqual(ids("pharmacy boston"));
    expect(ids("c cleveland")).toEqual(ids("cleveland c"));
    expect(ids("cleveland c").length).toBeGreaterThan(10);
  });

  it("reads common abbreviations both ways", () => {
    const ids = (query: string) => all(query).map((s) => s.id).sort();
    expect(ids("ft worth")).toEqual(ids("fort worth"));
    const saintLouis = all("saint louis");
    expect(saintLouis.length).toBeGreaterThan(10);
    expect(saintLouis.some((s) => s.city === "St. Louis")).toBe(true);
  });

  it("ignores joining words between the words that matter", () => {
    const ids = (query: string) => all(query).map((s) => s.id);
    expect(ids("pharmacy in boston")).toEqual(ids("pharmacy boston"));
    expect(ids("the cleveland clinic")[0]).toBe(CLEVELAND_CLINIC);
  });

  it("keeps Cleveland Clinic among the matches for every prefix typed", () => {
    const typed = "cleveland clinic";
    for (let length = 3; length <= typed.length; length++) {
      const query = typed.slice(0, length);
      expect(all(query).some((s) => s.id === CLEVELAND_CLINIC), query).toBe(true);
    }
    const page = index.search({ query: "cleveland cli", page: 1, perPage: 20 }).results;
    expect(page.map((s) => s.id)).toContain(CLEVELAND_CLINIC);
  });

  it("ranks name matches above sources found only by their location", () => {
    const found = all("boston");
    const inName = (s: SourceRecord) => s.name.toLowerCase().includes("boston");
    const firstLocationOnly = found.findIndex((s) => !inName(s));
    expect(firstLocationOnly).toBeGreaterThan(0);
    expect(found.slice(firstLocationOnly).some(inName)).toBe(false);
    expect(found.slice(firstLocationOnly).every((s) => s.city === "Boston")).toBe(true);
  });

  it("finds sources by state code and by state name", () => {
    const byCode = all("cleveland oh");
    const byName = all("cleveland ohio");
    expect(byCode.map((s) => s.id)).toContain(CLEVELAND_CLINIC);
    expect(byName.map((s) => s.id)).toContain(CLEVELAND_CLINIC);
    expect(byName.every((s) => s.state === "OH" || /ohio/i.test(s.name))).toBe(true);
  });

  it("filters by type and counts only that type", () => {
    const everything = all("cleveland");
    const hospitals = all("cleveland", "hospital");
    expect(hospitals.length).toBeGreaterThan(0);
    expect(hospitals.every((s) => s.type === "hospital")).toBe(true);
    expect(hospitals.map((s) => s.id)).toEqual(everything.filter((s) => s.type === "hospital").map((s) => s.id));
    expect(index.search({ query: "cleveland", type: "hospital", page: 1, perPage: 1 }).total).toBe(hospitals.length);
  });

  it("pages through results without gaps or overlaps, with the same total on every page", () => {
    const whole = index.search({ query: "c", page: 1, perPage: 60 });
    const pages = [1, 2, 3].map((page) => index.search({ query: "c", page, perPage: 20 }));
    expect(whole.total).toBeGreaterThan(1000);
    for (const page of pages) expect(page.total).toBe(whole.total);
    expect(pages.flatMap((p) => p.results).map((s) => s.id)).toEqual(whole.results.map((s) => s.id));
    const beyond = index.search({ query: "cleveland clinic", page: 10_000, perPage: 20 });
    expect(beyond.results).toEqual([]);
    expect(beyond.total).toBeGreaterThan(0);
  });

  it("filters one-letter queries by type", () => {
    const labs = all("c", "lab");
    expect(labs.length).toBeGreaterThan(100);
    expect(labs.map((s) => s.id)).toEqual(all("c").filter((s) => s.type === "lab").map((s) => s.id));
  });

  it("counts every match of a one-letter query, not just the first page", () => {
    const expected = catalog.filter((s) =>
      `${s.name} ${s.city}`.toLowerCase().split(/[^a-z0-9]+/).some((word) => word.startsWith("z")),
    ).length;
    expect(index.search({ query: "z", page: 1, perPage: 20 }).total).toBeGreaterThanOrEqual(expected);
  });

  it("ignores case and accents", () => {
    const ids = (query: string) => all(query).map((s) => s.id);
    const plain = ids("munoz");
    expect(plain.length).toBeGreaterThan(0);
    expect(ids("Muñoz")).toEqual(plain);
    expect(ids("MUÑOZ")).toEqual(plain);
    const espanola = all("espanola");
    expect(espanola.length).toBeGreaterThan(0);
    expect(espanola.every((s) => s.city === "Española")).toBe(true);
    expect(all("ESPAÑOLA").map((s) => s.id)).toEqual(espanola.map((s) => s.id));
  });

  it("lists sources by name for an empty query, optionally by type", () => {
    const listed = index.search({ query: "", page: 1, perPage: 50 });
    expect(listed.total).toBe(50_000);
    const names = listed.results.map((s) => normalizeText(s.name));
    expect(names[0]).toMatch(/^a/);
    expect(names).toEqual([...names].sort());
    const labs = index.search({ query: "  ", type: "lab", page: 2, perPage: 50 });
    expect(labs.total).toBe(catalog.filter((s) => s.type === "lab").length);
    expect(labs.results).toHaveLength(50);
    expect(labs.results.every((s) => s.type === "lab")).toBe(true);
    expect(index.search({ query: "?!", page: 1, perPage: 50 }).total).toBe(50_000);
  });

  it("answers nothing for words that match no source", () => {
    expect(index.search({ query: "qwxzv", page: 1, perPage: 20 })).toEqual({ total: 0, results: [] });
    expect(index.search({ query: "cleveland qwxzv", page: 1, perPage: 20 })).toEqual({ total: 0, results: [] });
  });

  it("gets sources by id", () => {
    expect(index.get(CLEVELAND_CLINIC)?.name).toBe("Cleveland Clinic");
    expect(index.get("ffffffffffffffffffffffff")).toBeUndefined();
    expect(index.size).toBe(50_000);
  });
});

describe("SourceSearchIndex ranking rules", () => {
  const ranked = new SourceSearchIndex([
    source(hex(1), "Mercy Hospital", "Denver", "CO", "hospital"),
    source(hex(2), "Mercy", "Austin", "TX"),
    source(hex(3), "Mercyhurst Family Medicine", "Erie", "PA"),
    source(hex(4), "Marcy Clinic", "Utica", "NY"),
    source(hex(5), "Erie Lab", "Mercy", "PA", "lab"),
    source(hex(6), "Unrelated Pharmacy", "Boise", "ID"),
  ]);

  it("orders exact name, whole word, word prefix, typo, then location only", () => {
    const { total, results } = ranked.search({ query: "mercy", page: 1, perPage: 10 });
    expect(results.map((s) => s.name)).toEqual([
      "Mercy", "Mercy Hospital", "Mercyhurst Family Medicine", "Marcy Clinic", "Erie Lab",
    ]);
    expect(total).toBe(5);
  });

  it("ranks one-letter queries by the same rules", () => {
    const { total, results } = ranked.search({ query: "M", page: 1, perPage: 10 });
    expect(results.map((s) => s.name)).toEqual([
      "Mercy", "Marcy Clinic", "Mercy Hospital", "Mercyhurst Family Medicine", "Erie Lab",
    ]);
    expect(total).toBe(5);
    expect(ranked.search({ query: "m", type: "clinic", page: 2, perPage: 2 })).toEqual({
      total: 3,
      results: [expect.objectContaining({ name: "Mercyhurst Family Medicine" })],
    });
  });

  it("breaks ties by name", () => {
    const tied = new SourceSearchIndex([
      source(hex(11), "Zenith Clinic"),
      source(hex(12), "Alpine Clinic"),
      source(hex(13), "Mountain Clinic"),
    ]);
    const names = tied.search({ query: "clinic", page: 1, perPage: 10 }).results.map((s) => s.name);
    expect(names).toEqual(["Alpine Clinic", "Mountain Clinic", "Zenith Clinic"]);
  });

  it("matches a word still being typed with a typo", () => {
    const index = new SourceSearchIndex([source(hex(21), "Cleveland Clinic", "Cleveland", "OH"), source(hex(22), "Other")]);
    expect(index.search({ query: "clevl", page: 1, perPage: 5 }).results.map((s) => s.id)).toEqual([hex(21)]);
    expect(index.search({ query: "cleevland", page: 1, perPage: 5 }).results.map((s) => s.id)).toEqual([hex(21)]);
  });

  it("does not allow typos in words too short to tell apart", () => {
    const index = new SourceSearchIndex([source(hex(31), "Lab One"), source(hex(32), "Cab Two")]);
    expect(index.search({ query: "lab", page: 1, perPage: 5 }).results.map((s) => s.name)).toEqual(["Lab One"]);
  });
});

describe("SourceSearchIndex popular sources", () => {
  it("lists ranked sources, most popular first, ties by name, leaving out the ones asked", () => {
    const ranked = (id: string, name: string, rank?: number): SourceRecord => (rank === undefined ? source(id, name) : { ...source(id, name), rank });
    const small = new SourceSearchIndex([ranked(hex(1), "Zeta", 2), ranked(hex(2), "Alpha"), ranked(hex(3), "Beta", 0), ranked(hex(4), "Acme", 2)]);
    expect(small.popular(10).map((s) => s.name)).toEqual(["Beta", "Acme", "Zeta"]);
    expect(small.popular(2).map((s) => s.name)).toEqual(["Beta", "Acme"]);
    expect(small.popular(10, new Set([hex(3)])).map((s) => s.name)).toEqual(["Acme", "Zeta"]);
    small.add(ranked(hex(5), "Gamma", 1));
    small.remove(hex(3));
    expect(small.popular(10).map((s) => s.name)).toEqual(["Gamma", "Acme", "Zeta"]);
  });

  it("starts the sandbox catalog's list with its best-known sources", () => {
    expect(index.popular(4).map((s) => s.id)).toEqual([STARFLEET_PHARMACY, CLEVELAND_CLINIC, "5b1daf3f079c652eaf41fd25", "5b1daf3f079c652eaf41fd24"]);
  });
});

describe("SourceSearchIndex updates", () => {
  it("adds, replaces and removes sources", () => {
    const index = new SourceSearchIndex([source(hex(1), "Aspen Clinic"), source(hex(2), "Birch Clinic")]);
    index.add(source(hex(3), "Quokka Wellness Center", "Tampa", "FL"));
    expect(index.size).toBe(3);
    expect(index.search({ query: "quoka", page: 1, perPage: 5 }).results.map((s) => s.id)).toEqual([hex(3)]);
    // A query typed again, in any case or spacing, is answered from the pages already found; a change clears them.
    expect(index.search({ query: " Quoka", page: 1, perPage: 5 })).toBe(index.search({ query: "quoka", page: 1, perPage: 5 }));
    expect(index.search({ query: "q", page: 1, perPage: 5 }).results.map((s) => s.id)).toEqual([hex(3)]);
    expect(index.search({ query: "", page: 1, perPage: 5 }).results.map((s) => s.name)).toEqual([
      "Aspen Clinic", "Birch Clinic", "Quokka Wellness Center",
    ]);

    index.add(source(hex(3), "Wombat Wellness Center", "Tampa", "FL"));
    expect(index.size).toBe(3);
    expect(index.get(hex(3))?.name).toBe("Wombat Wellness Center");
    expect(index.search({ query: "quokka", page: 1, perPage: 5 }).total).toBe(0);
    expect(index.search({ query: "wombat", page: 1, perPage: 5 }).total).toBe(1);
    expect(index.search({ query: "q", page: 1, perPage: 5 }).total).toBe(0);

    index.remove(hex(1));
    index.remove(hex(999));
    expect(index.size).toBe(2);
    expect(index.get(hex(1))).toBeUndefined();
    // The wellness center is a clinic by type, so it matches too, after the name match.
    expect(index.search({ query: "clinic", page: 1, perPage: 5 }).results.map((s) => s.name)).toEqual([
      "Birch Clinic", "Wombat Wellness Center",
    ]);
    expect(index.search({ query: "", type: "clinic", page: 1, perPage: 5 }).total).toBe(3 - 1);
  });

  it("stays correct after removing most sources", () => {
    const sources = Array.from({ length: 3000 }, (_, i) => source(hex(100 + i), `Clinic ${i}`));
    const index = new SourceSearchIndex(sources);
    for (let i = 0; i < 2900; i++) index.remove(hex(100 + i));
    expect(index.size).toBe(100);
    expect(index.search({ query: "clinic", page: 1, perPage: 200 }).total).toBe(100);
    expect(index.search({ query: "", page: 1, perPage: 1 }).results[0]?.name).toBe("Clinic 2900");
    index.add(source(hex(1), "Clinic New"));
    expect(index.search({ query: "clinic new", page: 1, perPage: 1 }).results[0]?.id).toBe(hex(1));
  });
});

describe("SourceSearchIndex warm-up", () => {
  it("answers every first keystroke (a letter or a digit alone) ahead of time, as the app asks it", () => {
    const index = new SourceSearchIndex(generateSandboxCatalog(3_000));
    expect(index.knownPages).toBe(0);
    index.warm(APP_SEARCH_PAGE_SIZE);
    expect(index.knownPages).toBe(36);
    const first = index.search({ query: "C", type: null, page: 1, perPage: APP_SEARCH_PAGE_SIZE });
    expect(first.total).toBeGreaterThan(0);
    // Answered from the warm pages: nothing new was computed.
    expect(index.knownPages).toBe(36);
    index.search({ query: "cl", type: null, page: 1, perPage: APP_SEARCH_PAGE_SIZE });
    expect(index.knownPages).toBe(37);
  });

  it("a catalog loaded by an instance is warm before it answers anyone", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "hc-warm-"));
    const { store } = await openStore({ dataDir });
    try {
      await store.sources.upsert(generateSandboxCatalog(500), Date.now());
      const live = await LiveCatalog.load(store);
      expect(live.index.knownPages).toBe(36);
    } finally {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
