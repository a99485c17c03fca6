import { describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
// @ts-expect-error plain ESM module shared with the benchmark, no type declarations
import { measureBundleSizes, SIZE_BUDGETS } from "../../bench/lib/sizes.mjs";

const distDir = fileURLToPath(new URL("../../dist", import.meta.url));

describe("size budgets", () => {
  const sizes = measureBundleSizes(distDir);

  it(`connect.js is at most ${SIZE_BUDGETS.loaderBrotli} bytes brotli`, () => {
    expect(sizes.loader.brotli).toBeGreaterThan(500);
    expect(sizes.loader.brotli).toBeLessThanOrEqual(SIZE_BUDGETS.loaderBrotli);
  });

  it(`the React entry adds at most ${SIZE_BUDGETS.reactBeyondLoaderBrotli} bytes brotli beyond the loader`, () => {
    expect(sizes.react.brotli).toBeGreaterThan(200);
    expect(sizes.react.brotli).toBeLessThanOrEqual(SIZE_BUDGETS.reactBeyondLoaderBrotli);
  });

  it(`the Connect app's first load is at most ${SIZE_BUDGETS.appFirstLoadBrotli} bytes brotli`, () => {
    expect(sizes.app.files).toBeGreaterThan(1);
    expect(sizes.app.brotli).toBeLessThanOrEqual(SIZE_BUDGETS.appFirstLoadBrotli);
  });
});
