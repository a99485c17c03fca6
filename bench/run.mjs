// `npm run bench`: sizes, open to interactive, search as you type, service throughput and leaks, each timing next to
// its floor measured in the same run. Prints one table and writes bench/results.json. Timings are never asserted.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { measureBundleSizes } from "./lib/sizes.mjs";
import { summarize, round } from "./lib/stats.mjs";
import { ROOT, WORK_DIR, cliOf, snapshotBuild, bundleEntry, createClientWithCli, forkModule, sessionToken, sessionTokens, startCliService } from "./lib/processes.mjs";
import { CHROMIUM_PATH, launchBrowser, measureLeaks, measureOpen, measureTyping, startPageServer, TYPED_QUERIES } from "./lib/browser.mjs";
import { LOAD, measureConnect, measureHello, measureSessionRead, measureSourceSearch, measureTokenEndpoint, measureTokenEndpointSpread } from "./lib/throughput.mjs";
import { createBenchDatabase } from "./lib/postgres.mjs";
import { writeFloorPage } from "./lib/floor.mjs";
import { measureTransport } from "./lib/transport.mjs";
import { printTable } from "./lib/table.mjs";

const OPEN_RUNS = Number(process.env.BENCH_OPEN_RUNS ?? 20);
const LEAK_CYCLES = Number(process.env.BENCH_LEAK_CYCLES ?? 100);
const SEARCH_SIZES = [50_000, 200_000];
/** Users whose session tokens take turns in the connect and session rows. */
const LOAD_USERS = 1000;

// `--only=sizes,open,typing,leaks,search,throughput` runs those parts alone.
const PARTS = ["sizes", "open", "typing", "leaks", "search", "throughput"];
const onlyArg = process.argv.find((a) => a.startsWith("--only="));
const only = new Set(onlyArg ? onlyArg.slice("--only=".length).split(",") : PARTS);
for (const part of only) {
  if (!PARTS.includes(part)) {
    console.error(`bench: unknown part "${part}"; the parts are ${PARTS.join(", ")}.`);
    process.exit(1);
  }
}
const wants = (part) => only.has(part);

const DIST = join(ROOT, "dist");
const started = performance.now();
const log = (msg) => process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${msg}\n`);

for (const [what, path] of [
  ["the built service (dist/node/src/server/cli.js)", cliOf(ROOT)],
  ["the loader (dist/connect.js)", join(DIST, "connect.js")],
  ["the Connect app (dist/app/index.html)", join(DIST, "app", "index.html")],
]) {
  if (!existsSync(path)) {
    console.error(`bench: ${what} is missing; run \`npm run build\` (or \`npm run bench\`, which builds first).`);
    process.exit(1);
  }
}
if (!existsSync(CHROMIUM_PATH)) {
  console.error(`bench: no Chromium at ${CHROMIUM_PATH}; install one (\`sudo apt-get install chromium\`) or set CHROMIUM_PATH.`);
  process.exit(1);
}

const figures = [];
/** Adds a figure; timings carry median, p95, samples and their floor's median and the ratio. */
function figure(f) {
  figures.push(Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)));
}
function timing(name, samples, floorSamples, unit = "ms") {
  const s = summarize(samples);
  const fl = floorSamples ? summarize(floorSamples) : undefined;
  figure({
    name,
    value: round(s.median),
    unit,
    median: round(s.median),
    p95: round(s.p95),
    samples: s.samples,
    floor: fl ? round(fl.median) : undefined,
    floorP95: fl ? round(fl.p95) : undefined,
    ratio: fl ? round(s.median / fl.median, 2) : undefined,
  });
}


const failures = [];
/** Runs one part of the benchmark; a failure is reported at the end and does not stop the other parts. */
async function section(name, fn) {
  try {
    return await fn();
  } catch (err) {
    failures.push(`${name}: ${err?.message ?? err}`);
    log(`${name} FAILED: ${err?.stack ?? err}`);
    return undefined;
  }
}

const runId = `${process.pid}-${Date.now()}`;
const cleanups = [];
async function cleanup() {
  for (const fn of cleanups.reverse()) await fn().catch((err) => log(`cleanup: ${err.message}`));
  cleanups.length = 0;
}
for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, () => void cleanup().then(() => process.exit(130)));

try {
  // One fixed copy of the build for the whole run.
  mkdirSync(WORK_DIR, { recursive: true });
  const build = snapshotBuild(runId);
  cleanups.push(async () => rmSync(build.root, { recursive: true, force: true }));

  // 1. Size.
  const sizes = measureBundleSizes(build.distDir);
  if (wants("sizes")) {
  figure({ name: "size: connect.js minified", value: sizes.loader.raw, unit: "B" });
  figure({ name: "size: connect.js gzip", value: sizes.loader.gzip, unit: "B" });
  figure({ name: "size: connect.js brotli", value: sizes.loader.brotli, unit: "B" });
  figure({ name: "size: human-connect/react beyond the loader, minified", value: sizes.react.raw, unit: "B" });
  figure({ name: "size: human-connect/react beyond the loader, brotli", value: sizes.react.brotli, unit: "B" });
  figure({ name: `size: app first load, ${sizes.app.files} files, raw`, value: sizes.app.raw, unit: "B" });
  figure({ name: "size: app first load gzip", value: sizes.app.gzip, unit: "B" });
  figure({ name: "size: app first load brotli", value: sizes.app.brotli, unit: "B" });
  log(`sizes: connect.js ${sizes.loader.brotli} B brotli, human-connect/react +${sizes.react.brotli} B brotli, app first load ${sizes.app.brotli} B brotli`);
  }

  // The built service with a fresh 50,000-source catalog, and a customer page on another origin.
  const pages = await startPageServer();
  cleanups.push(() => pages.close());
  let open;
  let typing;
  let chromiumVersion;
  let floor;
  if (wants("open") || wants("typing") || wants("leaks")) {
  const dataDir = join(WORK_DIR, `data-${runId}`);
  cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
  const client = await createClientWithCli(build.cli, dataDir, "Bench", pages.origin);
  const service = await startCliService(build.cli, dataDir);
  cleanups.push(() => service.stop());
  pages.setPage(service.url, client.client_id);
  const pageUrl = `${pages.origin}/`;
  log(`service ${service.url} (catalog seeded), page ${pageUrl}`);
  floor = writeFloorPage(build.distDir, sizes.app.raw, runId);
  const floorUrl = `${service.url}/assets/${floor.name}`;
  const nextToken = () => sessionToken(service.url, client, `bench-${randomUUID()}`);

  const browser = await launchBrowser();
  cleanups.push(() => browser.close());
  chromiumVersion = browser.version();

  // 2. Open to interactive, with its floor.
  log(`open to interactive: ${OPEN_RUNS} runs each of cold, warm and reopen, with the floor page`);
  if (wants("open")) open = await section("open to interactive", async () => {
    const o = await measureOpen({ browser, pageUrl, floorUrl, runs: OPEN_RUNS, nextToken, requestCount: service.requestCount, log });
    timing("open → interactive, cold (new context)", o.cold, o.floorCold);
    timing("open → interactive, warm (after preload())", o.warm, o.floorWarm);
    timing("open → interactive, reopen (same page)", o.reopen, o.floorReopen);
    return o;
  });

  // 3. Search as you type at 50,000 sources.
  log(`search as you type: ${TYPED_QUERIES.join("").length} keystrokes`);
  if (wants("typing")) typing = await section("search as you type", async () => {
    const t = await measureTyping({ browser, pageUrl, serviceUrl: service.url, token: await nextToken(), log });
    const echo = t.samples.map((s) => s.toEcho).filter((v) => v !== null);
    timing("search: keystroke → results painted (50k sources)", t.samples.map((s) => s.toResults), echo);
    timing("search: keystroke → character painted", echo);
    // Why the app searches on a socket: the transport alone, against the smallest server.
    const carried = await measureTransport({ browser });
    timing("search transport: WebSocket message round trip", carried.socket, carried.http);
    timing("search transport: HTTP request round trip (fetch)", carried.http);
    return t;
  });

  // 5. Leaks (same browser and service).
  log(`leaks: ${LEAK_CYCLES} open/close cycles`);
  if (wants("leaks")) await section("leaks", async () => {
    const leaks = await measureLeaks({ browser, pageUrl, cycles: LEAK_CYCLES, nextToken, log });
    for (const [key, label, unit] of [
      ["nodes", "DOM nodes", "nodes"],
      ["jsEventListeners", "JS event listeners", "listeners"],
      ["windowListeners", "listeners on window", "listeners"],
      ["documentListeners", "listeners on document and its nodes", "listeners"],
      ["documents", "documents", "documents"],
      ["heapUsed", "JS heap used", "B"],
    ]) {
      figure({
        name: `leaks: ${label}, after − before ${leaks.cycles} cycles`,
        value: leaks.after[key] - leaks.before[key],
        unit,
        before: leaks.before[key],
        halfway: leaks.middle?.[key],
        after: leaks.after[key],
        samples: leaks.cycles,
      });
    }
  });
  await browser.close();
  await service.stop();
  }

  // 3b. The service's own search time, in process, at 50k and 200k sources.
  log(`service search time in process at ${SEARCH_SIZES.join(" and ")} sources`);
  if (wants("search")) await section("service search time", async () => {
    const searchTiming = (await forkModule(await bundleEntry("search-timing"), SEARCH_SIZES.map(String))).message.result;
    const [small, large] = searchTiming;
    for (const r of searchTiming) {
      const base = r === large ? small : undefined;
      figure({
        name: `service search p50, ${r.size / 1000}k sources (in process)`,
        value: round(r.p50, 3),
        unit: "ms",
        median: round(r.p50, 3),
        p95: round(r.p95, 3),
        samples: r.samples,
        floor: base ? round(base.p50, 3) : undefined,
        ratio: base ? round(r.p50 / base.p50, 2) : undefined,
      });
      figure({
        name: `service search p95, ${r.size / 1000}k sources (in process)`,
        value: round(r.p95, 3),
        unit: "ms",
        samples: r.samples,
        floor: base ? round(base.p95, 3) : undefined,
        ratio: base ? round(r.p95 / base.p95, 2) : undefined,
      });
      figure({ name: `service index build, ${r.size / 1000}k sources`, value: round(r.indexMs, 0), unit: "ms" });
    }
  });

  // 4. Throughput: the floor first, then the token endpoint and the source search.
  log(`throughput: ${LOAD.connections} connections, ${LOAD.durationSeconds} s each (after ${LOAD.warmupSeconds} s warm-up)`);
  if (wants("throughput")) await section("throughput", async () => {
    const hello = await forkModule(join(ROOT, "bench", "lib", "hello-server.mjs"));
    cleanups.push(() => hello.stop());
    const helloResult = await measureHello(hello.message.ready.url);
    await hello.stop();
    const loadDir = join(WORK_DIR, `load-${runId}`);
    cleanups.push(async () => rmSync(loadDir, { recursive: true, force: true }));
    const loadService = await forkModule(await bundleEntry("service"), [loadDir, pages.origin]);
    cleanups.push(() => loadService.stop());
    const rows = [["hello-world node:http (floor)", helloResult], ...(await serviceRows(loadService.message.ready, ""))];
    await loadService.stop();

    // The same rows on PostgreSQL, then the token endpoint of two instances sharing one PostgreSQL database.
    const database = await createBenchDatabase();
    if (!database) {
      failures.push("PostgreSQL rows: set HC_TEST_DATABASE_URL (or HC_BENCH_DATABASE_URL) to a server where a database may be created");
    } else {
      cleanups.push(() => database.drop());
      const pgDirs = [0, 1].map((i) => join(WORK_DIR, `load-pg${i}-${runId}`));
      cleanups.push(async () => pgDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
      const entry = await bundleEntry("service");
      const env = { HC_MASTER_KEY: database.masterKey };
      const first = await forkModule(entry, [pgDirs[0], pages.origin, database.url], { env });
      cleanups.push(() => first.stop());
      const { url: pgUrl, client: pgClient } = first.message.ready;
      log("throughput on PostgreSQL");
      rows.push(...(await serviceRows(first.message.ready, ", PostgreSQL")));
      const second = await forkModule(entry, [pgDirs[1], pages.origin, database.url, "join"], { env });
      cleanups.push(() => second.stop());
      rows.push([
        "POST /v1/connect/token (session), 2 instances on one PostgreSQL",
        await measureTokenEndpointSpread([pgUrl, second.message.ready.url], pgClient),
      ]);
      await second.stop();
      await first.stop();
    }
    /** The token, search, connect and session rows of one service; `suffix` names its database. */
    async function serviceRows({ url, client, connectable }, suffix) {
      const tag = `${suffix ? "pg" : "sqlite"}-${runId}`;
      const result = [[`POST /v1/connect/token (session)${suffix}`, await measureTokenEndpoint(url, client, `load-${tag}`)]];
      const searchToken = await sessionToken(url, client, `bench-search-${tag}`);
      result.push([`GET /v1/connect/sources?q= (50k)${suffix}`, await measureSourceSearch(url, searchToken, pages.origin)]);
      const tokens = await sessionTokens(url, client, `bench-connect-${tag}`, LOAD_USERS);
      result.push([`POST /v1/connect/connections (password)${suffix}`, await measureConnect(url, tokens, connectable, pages.origin)]);
      result.push([`GET /v1/connect/session${suffix}`, await measureSessionRead(url, tokens, pages.origin)]);
      return result;
    }
    for (const [label, r] of rows) {
      const isFloor = r === helloResult;
      figure({
        name: `throughput: ${label}`,
        value: round(r.requestsPerSecond, 0),
        unit: "req/s",
        samples: r.requests,
        floor: isFloor ? undefined : round(helloResult.requestsPerSecond, 0),
        ratio: isFloor ? undefined : round(r.requestsPerSecond / helloResult.requestsPerSecond, 3),
        failed: r.non2xx + r.errors + r.timeouts,
      });
      figure({
        name: `throughput: ${label} p99 latency`,
        value: r.p99,
        unit: "ms",
        floor: isFloor ? undefined : helloResult.p99,
        ratio: isFloor ? undefined : round(r.p99 / Math.max(helloResult.p99, 1), 1),
      });
    }
  });
  await pages.close();

  const machine = {
    nproc: cpus().length,
    cpu: cpus()[0]?.model ?? "unknown",
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    chromium: chromiumVersion,
    platform: `${process.platform} ${process.arch}`,
  };
  const totalSeconds = round((performance.now() - started) / 1000, 0);
  const notes = {
    searchAnswer: typing && "keystroke → results: the app asks on every keystroke, with no debounce, on its search socket; only the answer for the typed query counts, not the shorter query's answer the app shows while it is on the way",
    openPrefetchSeen: open && `preload() had fetched the Connect page before the timed open in ${open.prefetchSeen}/${OPEN_RUNS} warm runs, and open() adopted that preloaded app (no second GET /connect) in ${open.prefetchUsed}/${OPEN_RUNS}; the floor's prefetch finished in ${open.floorPrefetchSeen}/${OPEN_RUNS} and its iframe reused it in ${open.floorPrefetchUsed}/${OPEN_RUNS}`,
    searchKeystrokes: typing && `${typing.samples.length} measured, ${typing.timeouts} timed out, ${typing.errors} showed an error; ${typing.byHttp} searches went by HTTP instead of the socket`,
    floorPage: floor && `${floor.name}: ${sizes.app.raw} B static HTML served by the same service process at /assets/ (from the run's copy of dist)`,
  };
  // A run of some parts replaces only their figures and notes: the rest of the last full run stays beside them.
  const resultsFile = join(ROOT, "bench", "results.json");
  const earlier = onlyArg && existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, "utf8")) : undefined;
  const measured = new Map(figures.map((f) => [f.name, f]));
  const merged = (earlier?.figures ?? []).map((f) => measured.get(f.name) ?? f);
  const added = figures.filter((f) => !merged.includes(f));
  const keptNotes = Object.fromEntries(Object.entries(earlier?.notes ?? {}).filter(([key]) => !notes[key]));
  writeFileSync(
    resultsFile,
    JSON.stringify(
      { date: new Date().toISOString(), parts: [...only], machine, totalSeconds, notes: { ...keptNotes, ...notes }, failures, figures: [...merged, ...added] },
      null,
      2,
    ) + "\n",
  );
  printTable(figures);
  console.log(
    `\nMachine: ${machine.nproc} × ${machine.cpu}, ${machine.memoryGiB} GiB, Node ${machine.node}, Chromium ${machine.chromium}. ` +
      `Total ${totalSeconds} s. Written to bench/results.json.`,
  );
  for (const n of Object.values(notes)) if (n) console.log(`  - ${n}`);
  if (failures.length) {
    console.log(`\nNot measured (see the log above):\n${failures.map((f) => `  - ${f}`).join("\n")}`);
    process.exitCode = 1;
  }
} catch (err) {
  console.error(`bench failed: ${err?.stack ?? err}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
