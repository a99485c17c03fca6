// The floor of "open to interactive": a static HTML page as large as the Connect app's first load, served by the same
// service process. The service serves <dist>/app/assets/* (any listed type, .html included), so the page is written
// into the run's copy of dist (see snapshotBuild) and served at /assets/<name>.
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Writes `bench-floor-<id>.html` of exactly `bytes` bytes into <distDir>/app/assets; returns its name and a remover. */
export function writeFloorPage(distDir, bytes, id) {
  const name = `bench-floor-${id}.html`;
  const path = join(distDir, "app", "assets", name);
  const head = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Floor</title></head><body><p>Floor</p><!--';
  const tail = "--></body></html>";
  const pad = Math.max(0, bytes - head.length - tail.length);
  // Padding that does not compress to nothing, in case a proxy compresses: a repeating but long pattern.
  let filler = "";
  for (let i = 0; filler.length < pad; i++) filler += ((i * 2654435761) >>> 0).toString(36) + " ";
  writeFileSync(path, head + filler.slice(0, pad) + tail);
  return { name, remove: () => rmSync(path, { force: true }) };
}
