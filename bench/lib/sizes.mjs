// Transfer sizes of what a customer's page and the Connect iframe download, measured on the built files.
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";
import { transformSync } from "esbuild";

/** Raw, gzip (level 9) and brotli (quality 11) byte counts of a buffer. */
export function compressedSizes(buf) {
  return {
    raw: buf.length,
    gzip: gzipSync(buf, { level: 9 }).length,
    brotli: brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

/**
 * The files the iframe fetches before the app is interactive: the page itself, plus every script, module preload and
 * stylesheet that dist/app/index.html references. Lazy chunks loaded later are not part of the first load.
 */
export function appFirstLoadFiles(distDir) {
  const appDir = join(distDir, "app");
  const html = readFileSync(join(appDir, "index.html"), "utf8");
  const refs = new Set();
  for (const m of html.matchAll(/<(?:script|link)\b[^>]*?(?:src|href)="([^"]+)"[^>]*>/g)) {
    const tag = m[0];
    const url = m[1];
    if (/^https?:/.test(url)) continue;
    if (tag.startsWith("<link") && !/rel="(?:stylesheet|modulepreload)"/.test(tag)) continue;
    refs.add(url.replace(/^\//, ""));
  }
  return ["index.html", ...refs].map((f) => join(appDir, f));
}

/**
 * What the React entry adds to an app's bundle beyond the loader: dist/react.js minified as a bundler would, with the
 * loader ("human-connect") and React left as the imports they are.
 */
export function reactEntrySizes(distDir) {
  const path = join(distDir, "react.js");
  if (!existsSync(path)) throw new Error(`${path} is missing: run npm run build first`);
  const { code } = transformSync(readFileSync(path, "utf8"), { minify: true, format: "esm", target: "es2022", legalComments: "none" });
  return compressedSizes(Buffer.from(code));
}

/** Sizes of connect.js, the React entry and the app's first load, each as {raw, gzip, brotli}. */
export function measureBundleSizes(distDir) {
  const loaderPath = join(distDir, "connect.js");
  if (!existsSync(loaderPath)) throw new Error(`${loaderPath} is missing: run npm run build first`);
  const loader = compressedSizes(readFileSync(loaderPath));
  const react = reactEntrySizes(distDir);
  const files = appFirstLoadFiles(distDir);
  const app = { raw: 0, gzip: 0, brotli: 0, files: files.length };
  for (const f of files) {
    const s = compressedSizes(readFileSync(f));
    app.raw += s.raw;
    app.gzip += s.gzip;
    app.brotli += s.brotli;
  }
  return { loader, react, app };
}

/** Budgets checked by the test suite; raising one to make a check pass is not allowed. */
export const SIZE_BUDGETS = { loaderBrotli: 2000, reactBeyondLoaderBrotli: 1000, appFirstLoadBrotli: 20000 };
