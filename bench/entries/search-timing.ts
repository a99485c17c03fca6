// The service's own search time (in process, no HTTP) at catalog sizes given as arguments; the result goes to the
// parent process over IPC.
import { generateSandboxCatalog } from "../../src/server/catalog/sandbox-catalog.ts";
import { SourceSearchIndex } from "../../src/server/catalog/search-index.ts";
import { measureSearch, SAMPLE_QUERIES } from "../../src/server/catalog/search-timing.ts";

const REPEATS = 5;

const results = [];
for (const arg of process.argv.slice(2)) {
  const size = Number(arg);
  const generated = performance.now();
  const catalog = generateSandboxCatalog(size);
  const indexed = performance.now();
  const index = new SourceSearchIndex(catalog);
  const built = performance.now();
  const timing = measureSearch(index, SAMPLE_QUERIES, REPEATS);
  results.push({
    size,
    generateMs: indexed - generated,
    indexMs: built - indexed,
    queries: SAMPLE_QUERIES.length,
    ...timing,
  });
}
process.send?.({ result: results });
process.disconnect?.();
