import type { SourceSearchIndex } from "./search-index.ts";

/**
 * Queries as people type them into the source picker: every prefix of a few names, whole names,
 * places, typos, and mixes of name and place.
 */
export const SAMPLE_QUERIES: string[] = [
  ...prefixes("cleveland clinic"),
  ...prefixes("starfleet pharmacy"),
  ...prefixes("boston"),
  ...prefixes("st marys hospital"),
  ...prefixes("meridian labs"),
  "pharmacy",
  "hospital",
  "lab",
  "urgent care",
  "pediatrics",
  "family medicine",
  "children's hospital",
  "new york",
  "san francisco",
  "ohio",
  "tx",
  "pharmacy boston",
  "hospital chicago",
  "dermatology texas",
  "clinic cleveland",
  "garcia",
  "muñoz",
  "munoz",
  "clevland clinc",
  "starflet",
  "pharmcy boston",
  "hosptial",
  "pediatircs",
  "dermatolgy",
  "cardiolgy associates",
  "chicgo",
  "san fransisco",
  "philadelpia",
  "memorial hospitl",
  "wellway pharmacy",
  "carerx",
  "pulse band",
  "holodek",
  "enterprize labs",
  "romulan",
  "vulcan",
];

/**
 * Times `index.search` over the queries (page 1, 20 per page), `repeats` rounds after one warm-up round.
 * Each round starts with an empty word-match cache, as a new visitor typing would; within a round, words
 * typed earlier are reused as they are in a live service.
 */
export function measureSearch(
  index: SourceSearchIndex,
  queries: string[],
  repeats: number,
): { p50: number; p95: number; samples: number } {
  for (const query of queries) index.search({ query, page: 1, perPage: 20 });
  const samples: number[] = [];
  for (let round = 0; round < repeats; round++) {
    index.clearMatchCache();
    for (const query of queries) {
      const started = performance.now();
      index.search({ query, page: 1, perPage: 20 });
      samples.push(performance.now() - started);
    }
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 0.5), p95: percentile(samples, 0.95), samples: samples.length };
}

function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  const at = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[at]!;
}

function prefixes(text: string): string[] {
  return Array.from({ length: text.length }, (_, i) => text.slice(0, i + 1)).filter((q) => !q.endsWith(" "));
}
