import { describe, expect, it } from "vitest";
import { bitCount, boundedDistance, letterMask } from "../../src/server/catalog/edit-distance.ts";

describe("boundedDistance", () => {
  it("counts insertions, deletions, substitutions and adjacent transpositions as one edit each", () => {
    expect(boundedDistance("clinic", "clinic", 2, false)).toBe(0);
    expect(boundedDistance("clinc", "clinic", 2, false)).toBe(1);
    expect(boundedDistance("clinicc", "clinic", 2, false)).toBe(1);
    expect(boundedDistance("clinix", "clinic", 2, false)).toBe(1);
    expect(boundedDistance("hosptial", "hospital", 2, false)).toBe(1);
    expect(boundedDistance("clevlnad", "cleveland", 2, false)).toBe(2);
  });

  it("answers max + 1 once the distance exceeds the bound", () => {
    expect(boundedDistance("boston", "austin", 2, false)).toBe(3);
    expect(boundedDistance("lab", "laboratory", 2, false)).toBe(3);
    expect(boundedDistance("ab", "ba", 0, false)).toBe(1);
  });

  it("compares with the closest prefix of the term when asked", () => {
    expect(boundedDistance("clevl", "cleveland", 1, true)).toBe(1);
    expect(boundedDistance("pharm", "pharmacy", 1, true)).toBe(0);
    expect(boundedDistance("phram", "pharmacy", 1, true)).toBe(1);
    expect(boundedDistance("xyzzy", "pharmacy", 1, true)).toBe(2);
  });
});

describe("letterMask", () => {
  it("lets a term be ruled out by the letters it lacks", () => {
    const missing = bitCount(letterMask("clinic") & ~letterMask("boston"));
    expect(missing).toBe(3); // c, l, i
    expect(bitCount(letterMask("clinc") & ~letterMask("clinic"))).toBe(0);
  });
});
