// `node bench/profile.mjs token|search|connect|session [--postgres]`: one endpoint under the same load as the bench's
// throughput row, in a service started with --cpu-prof; prints where the service's CPU time went (self time by
// function and by module) and keeps the .cpuprofile under bench/.work/profiles for a flame graph (Chrome DevTools,
// speedscope).
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import { WORK_DIR, ROOT, bundleEntry, forkModule, sessionToken, sessionTokens } from "./lib/processes.mjs";
import { measureConnect, measureSessionRead, measureSourceSearch, measureTokenEndpoint } from "./lib/throughput.mjs";
import { createBenchDatabase } from "./lib/postgres.mjs";

const ORIGIN = "http://127.0.0.1:1";
const target = process.argv[2];
const runs = {
  token: (ready) => measureTokenEndpoint(ready.url, ready.client, `profile-${Date.now()}`),
  search: async (ready) => measureSourceSearch(ready.url, await sessionToken(ready.url, ready.client, `profile-${Date.now()}`), ORIGIN),
  connect: async (ready) => measureConnect(ready.url, await sessionTokens(ready.url, ready.client, `profile-${Date.now()}`, 1000), ready.connectable, ORIGIN),
  session: async (ready) => measureSessionRead(ready.url, await sessionTokens(ready.url, ready.client, `profile-${Date.now()}`, 1000), ORIGIN),
};
if (!(target in runs)) {
  console.error(`usage: node bench/profile.mjs ${Object.keys(runs).join("|")} [--postgres]`);
  process.exit(1);
}

const stamp = `${target}-${process.pid}`;
const profileDir = join(WORK_DIR, "profiles", stamp);
const dataDir = join(WORK_DIR, `profile-data-${stamp}`);
mkdirSync(profileDir, { recursive: true });
const database = process.argv.includes("--postgres") ? await createBenchDatabase() : undefined;
if (process.argv.includes("--postgres") && !database) {
  console.error("profile: --postgres needs HC_TEST_DATABASE_URL (or HC_BENCH_DATABASE_URL)");
  process.exit(1);
}
const service = await forkModule(await bundleEntry("service"), [dataDir, ORIGIN, ...(database ? [database.url] : [])], {
  execArgv: ["--cpu-prof", `--cpu-prof-dir=${profileDir}`],
  env: database ? { HC_MASTER_KEY: database.masterKey } : {},
});
let result;
try {
  result = await runs[target](service.message.ready);
} finally {
  await service.stop();
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
}

const file = readdirSync(profileDir).find((f) => f.endsWith(".cpuprofile"));
const profile = JSON.parse(readFileSync(join(profileDir, file), "utf8"));
const selfMs = new Map();
const byModule = new Map();
const intervals = profile.timeDeltas;
const nodeById = new Map(profile.nodes.map((n) => [n.id, n]));
let total = 0;
profile.samples.forEach((id, i) => {
  const ms = (intervals[i] ?? 0) / 1000;
  const frame = nodeById.get(id).callFrame;
  total += ms;
  const where = moduleOf(frame.url, frame.functionName);
  const name = `${frame.functionName || "(anonymous)"}  ${where}${frame.url ? `:${frame.lineNumber + 1}` : ""}`;
  selfMs.set(name, (selfMs.get(name) ?? 0) + ms);
  byModule.set(where, (byModule.get(where) ?? 0) + ms);
});

/** A file's package (node_modules), the service's own bundle, Node's internals, or V8's pseudo-frames. */
function moduleOf(url, name) {
  if (!url) return name.startsWith("(") ? name : "(native)";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith("node:")) return url;
  return relative(ROOT, url.replace(/^file:\/\//, ""));
}

const busy = total - (byModule.get("(idle)") ?? 0) - (byModule.get("(program)") ?? 0);
const top = (map, n) =>
  [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, ms]) => `${((ms / total) * 100).toFixed(1).padStart(5)} %  ${k}`)
    .join("\n");
console.log(`${target}: ${Math.round(result.requestsPerSecond)} req/s, p99 ${result.p99} ms, ${result.non2xx + result.errors} failed`);
console.log(`profile ${relative(ROOT, join(profileDir, file))}: ${(total / 1000).toFixed(1)} s sampled, ${((busy / total) * 100).toFixed(0)} % busy`);
console.log(`\nSelf time by module:\n${top(byModule, 14)}`);
console.log(`\nSelf time by function:\n${top(selfMs, 20)}`);
