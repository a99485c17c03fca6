import { describe, expect, it } from "vitest";
import { parseCatalog } from "../../src/server/catalog/import.ts";
import { generateSandboxCatalog } from "../../src/server/catalog/sandbox-catalog.ts";

const good = {
  id: "5B1DAF3F079C652EAF41FD99",
  name: "  Riverside Family Clinic ",
  type: "clinic",
  city: "Riverside",
  state: "ca",
  auth: "credentials_mfa",
};

function jsonRows(...rows: unknown[]): string {
  return JSON.stringify(rows);
}

describe("parseCatalog (JSON)", () => {
  it("reads valid rows, normalises ids and state codes, and fills defaults", () => {
    const sources = parseCatalog(jsonRows(good, { ...good, id: "0123456789abcdef01234567", behavior: "slow", description: "Walk-ins welcome" }), "json");
    expect(sources).toEqual([
      {
        id: "5b1daf3f079c652eaf41fd99", name: "Riverside Family Clinic", type: "clinic", city: "Riverside", state: "CA",
        auth: "credentials_mfa", description: "", behavior: "normal",
      },
      {
        id: "0123456789abcdef01234567", name: "Riverside Family Clinic", type: "clinic", city: "Riverside", state: "CA",
        auth: "credentials_mfa", description: "Walk-ins welcome", behavior: "slow",
      },
    ]);
  });

  it("reads back a generated catalog unchanged", () => {
    const catalog = generateSandboxCatalog(2_000);
    expect(parseCatalog(JSON.stringify(catalog), "json")).toEqual(catalog);
  });

  it("names the row and field of a bad value", () => {
    const bad = (row: Record<string, unknown>) => () => parseCatalog(jsonRows(good, row), "json");
    expect(bad({ ...good, id: "xyz" })).toThrow(/^Row 2: field "id" must be 24 hexadecimal characters \(got "xyz"\)$/);
    expect(bad({ ...good, id: "5b1daf3f079c652eaf41fd2" })).toThrow(/Row 2: field "id"/);
    expect(bad({ ...good, type: "spa" })).toThrow(/^Row 2: field "type" must be one of hospital, clinic, lab/);
    expect(bad({ ...good, auth: "password" })).toThrow(/^Row 2: field "auth" must be one of credentials, credentials_mfa, oauth/);
    expect(bad({ ...good, name: "   " })).toThrow(/^Row 2: field "name" must not be empty/);
    expect(bad({ ...good, name: "x".repeat(201) })).toThrow(/^Row 2: field "name" must be at most 200 characters/);
    expect(bad({ ...good, name: "Tab\there" })).toThrow(/^Row 2: field "name" must not contain control characters/);
    expect(bad({ ...good, name: 42 })).toThrow(/^Row 2: field "name" must be a string \(got 42\)$/);
    expect(bad({ ...good, state: "XX" })).toThrow(/^Row 2: field "state" must be a two-letter US state/);
    expect(bad({ ...good, behavior: "broken" })).toThrow(/^Row 2: field "behavior" must be one of normal, unavailable, slow/);
    const { city: _city, ...withoutCity } = good;
    expect(bad(withoutCity)).toThrow(/^Row 2: field "city" is missing$/);
  });

  it("reads rank as a non-negative integer and logo_url as an https URL", () => {
    const [s] = parseCatalog(jsonRows({ ...good, rank: 3, logo_url: " https://cdn.example/logo.svg " }), "json");
    expect(s).toMatchObject({ rank: 3, logoUrl: "https://cdn.example/logo.svg" });
    expect(s).not.toHaveProperty("logo_url");
    expect(parseCatalog(jsonRows({ ...good, rank: null, logo_url: "" }), "json")[0]).not.toHaveProperty("rank");
    const bad = (row: Record<string, unknown>) => () => parseCatalog(jsonRows(good, row), "json");
    expect(bad({ ...good, rank: -1 })).toThrow(/^Row 2: field "rank" must be a non-negative integer \(got -1\)$/);
    expect(bad({ ...good, rank: 2.5 })).toThrow(/^Row 2: field "rank" must be a non-negative integer/);
    expect(bad({ ...good, rank: "high" })).toThrow(/^Row 2: field "rank" must be a non-negative integer/);
    expect(bad({ ...good, rank: 2 ** 31 })).toThrow(/^Row 2: field "rank" must be at most 2147483647/);
    expect(bad({ ...good, logo_url: "http://cdn.example/logo.png" })).toThrow(/^Row 2: field "logo_url" must be an https URL/);
    expect(bad({ ...good, logo_url: "javascript:alert(1)" })).toThrow(/^Row 2: field "logo_url" must be an https URL/);
    expect(bad({ ...good, logo_url: 7 })).toThrow(/^Row 2: field "logo_url" must be a string/);
  });

  it("rejects repeated ids, naming both rows", () => {
    expect(() => parseCatalog(jsonRows(good, { ...good, name: "Other" }), "json")).toThrow(
      /^Row 2: field "id" repeats the id 5b1daf3f079c652eaf41fd99 of row 1$/,
    );
  });

  it("rejects malformed JSON, a non-array and rows that are not objects", () => {
    expect(() => parseCatalog("[{", "json")).toThrow(/^Catalog is not valid JSON/);
    expect(() => parseCatalog(JSON.stringify({ sources: [good] }), "json")).toThrow(/must be an array/);
    expect(() => parseCatalog(jsonRows(good, "clinic"), "json")).toThrow(/^Row 2: must be an object/);
    expect(() => parseCatalog(jsonRows(null), "json")).toThrow(/^Row 1: must be an object/);
  });
});

describe("parseCatalog (CSV)", () => {
  const header = "id,name,type,city,state,auth,description,behavior";

  it("reads rows by header, with quoted commas, a byte order mark and blank optional cells", () => {
    const csv = [
      `\uFEFF${header}`,
      `5b1daf3f079c652eaf41fd99,"Ear, Nose & Throat Associates",clinic,Boston,MA,credentials,,`,
      `5b1daf3f079c652eaf41fd98,Pulse Band,wearable,San Francisco,CA,oauth,"Heart rate, sleep",unavailable`,
      "",
    ].join("\r\n");
    expect(parseCatalog(csv, "csv")).toEqual([
      {
        id: "5b1daf3f079c652eaf41fd99", name: "Ear, Nose & Throat Associates", type: "clinic", city: "Boston",
        state: "MA", auth: "credentials", description: "", behavior: "normal",
      },
      {
        id: "5b1daf3f079c652eaf41fd98", name: "Pulse Band", type: "wearable", city: "San Francisco", state: "CA",
        auth: "oauth", description: "Heart rate, sleep", behavior: "unavailable",
      },
    ]);
  });

  it("accepts columns in any order and without the optional ones", () => {
    const csv = "State,City,Name,Id,Type,Auth\nOH,Cleveland,Cleveland Clinic,54dc427aaa6b4cb7d6203061,hospital,credentials\n";
    expect(parseCatalog(csv, "csv")).toEqual([
      {
        id: "54dc427aaa6b4cb7d6203061", name: "Cleveland Clinic", type: "hospital", city: "Cleveland", state: "OH",
        auth: "credentials", description: "", behavior: "normal",
      },
    ]);
  });

  it("names the row, line and field of a bad value", () => {
    const csv = [
      header,
      "5b1daf3f079c652eaf41fd99,Good Clinic,clinic,Boston,MA,credentials,,",
      "5b1daf3f079c652eaf41fd98,Bad Clinic,clinic,Boston,Massachusetts,credentials,,",
    ].join("\n");
    expect(() => parseCatalog(csv, "csv")).toThrow(/^Row 2 \(line 3\): field "state" must be a two-letter US state/);
  });

  it("rejects a header without the required columns, broken quoting and repeated ids", () => {
    expect(() => parseCatalog("id,name,type\n5b1daf3f079c652eaf41fd99,A,clinic\n", "csv")).toThrow(
      /^Catalog CSV header lacks the column\(s\): city, state, auth$/,
    );
    expect(() => parseCatalog(`${header}\n5b1daf3f079c652eaf41fd99,"Open quote,clinic,Boston,MA,credentials,,\n`, "csv")).toThrow(
      /^Catalog is not valid CSV/,
    );
    const repeated = `${header}\n${"5b1daf3f079c652eaf41fd99,A,clinic,Boston,MA,credentials,,\n".repeat(2)}`;
    expect(() => parseCatalog(repeated, "csv")).toThrow(/^Row 2 \(line 3\): field "id" repeats the id .* of row 1$/);
  });

  it("reads rank and logo_url columns, blank cells meaning none", () => {
    const csv = [
      `${header},rank,logo_url`,
      "5b1daf3f079c652eaf41fd99,Ranked Clinic,clinic,Boston,MA,credentials,,,0,https://cdn.example/ranked.png",
      "5b1daf3f079c652eaf41fd98,Plain Clinic,clinic,Boston,MA,credentials,,, ,",
    ].join("\n");
    const [ranked, plain] = parseCatalog(csv, "csv");
    expect(ranked).toMatchObject({ rank: 0, logoUrl: "https://cdn.example/ranked.png" });
    expect(plain).not.toHaveProperty("rank");
    expect(plain).not.toHaveProperty("logoUrl");
    const bad = (cells: string) => () => parseCatalog(`${header},rank,logo_url\n5b1daf3f079c652eaf41fd99,A,clinic,Boston,MA,credentials,,,${cells}\n`, "csv");
    expect(bad("-1,")).toThrow(/^Row 1 \(line 2\): field "rank" must be a non-negative integer/);
    expect(bad("1.5,")).toThrow(/field "rank" must be a non-negative integer/);
    expect(bad("first,")).toThrow(/field "rank" must be a non-negative integer/);
    expect(bad("3,http://cdn.example/a.png")).toThrow(/field "logo_url" must be an https URL/);
  });

  it("reads an empty catalog as no sources", () => {
    expect(parseCatalog(`${header}\n`, "csv")).toEqual([]);
    expect(parseCatalog("[]", "json")).toEqual([]);
  });
});
