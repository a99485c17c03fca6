// Measurements in headless Chromium: open to interactive (and its floor), search as you type, and open/close leaks.
// The customer page (localhost:<page port>) and the Connect service (127.0.0.1:<service port>) are different origins.
import { createServer } from "node:http";
import { chromium } from "playwright-core";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "./chromium.mjs";

export { CHROMIUM_PATH };

/** Launches the benchmark's one browser. */
export function launchBrowser() {
  // The benchmark handles signals itself (it closes the browser in its cleanup).
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false });
}

/** `page.evaluate` (or `frame.evaluate`) that fails after `ms` instead of waiting forever on a promise that never settles. */
export function evaluate(target, fn, arg, ms = 30_000) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`an in-page step did not finish within ${ms / 1000} s`)), ms);
  });
  return Promise.race([target.evaluate(fn, arg), timeout]).finally(() => clearTimeout(timer));
}

// The customer's page: connect.js from the service, and the functions the benchmark calls. Times are taken in the
// page with performance.now(), so the DevTools round trips of the harness are not part of them.
function customerPage(serviceUrl, clientId) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Bench page</title>
<script src="${serviceUrl}/connect.js"></script>
</head><body><h1>Bench page</h1><button id="opener" type="button">Connect</button>
<script>
  const clientId = ${JSON.stringify(clientId)};
  let closed;
  window.benchPreload = () => HumanConnect.preload({ clientId, language: "en" });
  window.benchOpen = (token) => {
    if (!window.HumanConnect) return Promise.reject(new Error("window.HumanConnect is missing: connect.js did not load"));
    let resolveReady, rejectReady, resolveClosed, readyAt = null;
    const ready = new Promise((res, rej) => { resolveReady = res; rejectReady = rej; });
    closed = new Promise((res) => (resolveClosed = res));
    const started = performance.now();
    HumanConnect.open({
      token, clientId, language: "en",
      onReady: () => { readyAt = performance.now(); resolveReady(readyAt - started); },
      onClose: (r) => { resolveClosed(r.status); if (readyAt === null) rejectReady(new Error("closed before ready: " + r.status)); },
    });
    return ready;
  };
  window.benchClose = () => { const c = closed; HumanConnect.close(); return c; };
  let floor;
  window.benchFloor = (url) => new Promise((resolve, reject) => {
    floor = document.createElement("iframe");
    floor.title = "floor";
    const started = performance.now();
    floor.onload = () => resolve(performance.now() - started);
    floor.onerror = () => reject(new Error("floor page failed"));
    floor.src = url;
    document.body.append(floor);
  });
  window.benchRemoveFloor = () => floor && floor.remove();
  window.benchPrefetch = (url) => {
    for (const [rel, href] of [["preconnect", new URL(url).origin], ["prefetch", url]]) {
      const link = document.createElement("link");
      link.rel = rel;
      link.href = href;
      document.head.append(link);
    }
  };
</script>
</body></html>`;
}

/** Serves the customer page on 127.0.0.1:<port>, reached as http://localhost:<port> (another origin than the service). */
export async function startPageServer() {
  let body = "";
  const server = createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
    res.end(body);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = server.address().port;
  return {
    origin: `http://localhost:${port}`,
    setPage: (serviceUrl, clientId) => (body = customerPage(serviceUrl, clientId)),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function newPage(browser, pageUrl) {
  const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  await page.goto(pageUrl);
  return { context, page };
}

// Waits until the browser has fetched `urlPart` (a prefetch), or `timeoutMs`; returns whether it was seen.
async function waitForFetch(page, urlPart, start, timeoutMs = 5_000) {
  const seen = page
    .waitForEvent("requestfinished", { predicate: (r) => r.url().includes(urlPart), timeout: timeoutMs })
    .then(() => true, () => false);
  await start();
  const ok = await seen;
  // Let the cache write settle before the timed open.
  await page.waitForTimeout(100);
  return ok;
}

/**
 * Open to interactive: from `open()` to `onReady`, cold (new browser context per run) and warm (new context, the page
 * calls `preload()` and the app page has been fetched, then `open()`), plus a reopen in that warm page. The floor, in the same
 * contexts and order: a bare iframe of a static page of the app's first-load size, served by the same service, to its
 * load event (cold; after the same kind of prefetch; and a second iframe in that page).
 */
export async function measureOpen({ browser, pageUrl, floorUrl, runs, nextToken, requestCount, log }) {
  const t = { cold: [], warm: [], reopen: [], floorCold: [], floorWarm: [], floorReopen: [], prefetchSeen: 0, floorPrefetchSeen: 0, prefetchUsed: 0, floorPrefetchUsed: 0 };
  for (let i = 0; i < runs; i++) {
    // Cold app, cold floor.
    {
      const { context, page } = await newPage(browser, pageUrl);
      const token = await nextToken();
      t.cold.push(await evaluate(page, (tk) => window.benchOpen(tk), token));
      await evaluate(page, () => window.benchClose());
      await context.close();
    }
    {
      const { context, page } = await newPage(browser, pageUrl);
      t.floorCold.push(await evaluate(page, (u) => window.benchFloor(u), floorUrl));
      await context.close();
    }
    // Warm app (after preload), then a reopen in the same page.
    {
      const { context, page } = await newPage(browser, pageUrl);
      if (await waitForFetch(page, "/connect?", () => evaluate(page, () => window.benchPreload()))) t.prefetchSeen++;
      const token = await nextToken();
      const pageFetches = requestCount("/connect");
      t.warm.push(await evaluate(page, (tk) => window.benchOpen(tk), token));
      // The service logs each request; no new one for /connect means open() adopted the preloaded app.
      if (requestCount("/connect") === pageFetches) t.prefetchUsed++;
      await evaluate(page, () => window.benchClose());
      t.reopen.push(await evaluate(page, (tk) => window.benchOpen(tk), await nextToken()));
      await evaluate(page, () => window.benchClose());
      await context.close();
    }
    {
      const { context, page } = await newPage(browser, pageUrl);
      if (await waitForFetch(page, floorUrl, () => evaluate(page, (u) => window.benchPrefetch(u), floorUrl))) t.floorPrefetchSeen++;
      const floorFetches = requestCount(new URL(floorUrl).pathname);
      t.floorWarm.push(await evaluate(page, (u) => window.benchFloor(u), floorUrl));
      if (requestCount(new URL(floorUrl).pathname) === floorFetches) t.floorPrefetchUsed++;
      await evaluate(page, () => window.benchRemoveFloor());
      t.floorReopen.push(await evaluate(page, (u) => window.benchFloor(u), floorUrl));
      await context.close();
    }
    if ((i + 1) % 5 === 0) log(`  open: ${i + 1}/${runs} runs`);
  }
  return t;
}

/** The Connect app's frame in the page. */
async function appFrame(page, serviceUrl) {
  for (let i = 0; i < 200; i++) {
    const frame = page.frames().find((f) => f.url().startsWith(`${serviceUrl}/connect`));
    if (frame) return frame;
    await page.waitForTimeout(25);
  }
  throw new Error("the Connect app's frame did not appear");
}

// Runs inside the app's frame before each keystroke: resolves when the results for `expected`, the query after that
// keystroke, are painted. The app asks on every keystroke and marks the results region aria-busy while the answer for
// what is typed is on the way (meanwhile it may show a shorter query's answer, which does not count here); a query
// answered before shows at once. So the first state in which the box holds `expected` and no answer is pending is the
// one for it: the app drops stale answers, and the harness waits for each keystroke's results before the next. An
// empty box shows the first screen instead. "Painted" is the first task after the next animation frame, i.e. after the
// frame that showed the change.
function armKeystroke(expected) {
  const st = { key: null, echo: null };
  const done = new Promise((resolve) => {
    let finished = false;
    const onKey = (e) => {
      if (st.key === null) st.key = e.timeStamp;
    };
    const onInput = () => {
      requestAnimationFrame(() =>
        setTimeout(() => {
          if (st.echo === null) st.echo = performance.now();
        }, 0),
      );
      // This listener runs before the app's own: look again once the app has handled the input.
      setTimeout(check, 0);
    };
    const cleanup = () => {
      observer.disconnect();
      clearTimeout(timer);
      document.removeEventListener("keydown", onKey, true);
      document.removeEventListener("input", onInput, true);
    };
    const answered = () => {
      if (document.querySelector('[role="alert"]')) return true;
      if (expected.trim() === "") {
        const first = document.getElementById("hc-suggestions");
        return !!first && first.getAttribute("aria-busy") !== "true";
      }
      const region = document.querySelector(".search-results");
      if (!region || region.getAttribute("aria-busy") === "true") return false;
      return !!document.getElementById("hc-results") || !!region.querySelector(".empty");
    };
    const check = () => {
      if (finished || st.key === null) return;
      if (document.getElementById("hc-search")?.value !== expected || !answered()) return;
      finished = true;
      const committed = performance.now();
      requestAnimationFrame(() =>
        setTimeout(() => {
          cleanup();
          resolve({
            key: st.key,
            echo: st.echo,
            committed,
            painted: performance.now(),
            options: document.querySelectorAll('#hc-results [role="option"]').length,
            error: !!document.querySelector('[role="alert"]'),
          });
        }, 0),
      );
    };
    const observer = new MutationObserver(check);
    observer.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    const timer = setTimeout(() => {
      if (finished) return;
      finished = true;
      cleanup();
      resolve({ timeout: true });
    }, 5_000);
    document.addEventListener("keydown", onKey, true);
    document.addEventListener("input", onInput, true);
  });
  window.__benchKeystroke = done;
}

/** Queries typed one key at a time, as people type them, typos included. */
export const TYPED_QUERIES = [
  "cleveland clinic",
  "starflet pharmcy",
  "hosptial boston",
  "pediatircs",
  "san fransisco",
  "dermatolgy texas",
  "lab chicgo",
  "urgent care",
];

/**
 * Search as you type in the Connect app: for every keystroke, the time from the key event to the input showing the
 * character, and to the results for the new query being painted. Each keystroke waits for its results first.
 */
export async function measureTyping({ browser, pageUrl, serviceUrl, token, queries = TYPED_QUERIES, log }) {
  const { context, page } = await newPage(browser, pageUrl);
  // Searches asked by HTTP rather than on the search socket (before it was open, or when it was lost).
  let byHttp = 0;
  page.on("request", (r) => {
    if (new URL(r.url()).pathname === "/v1/connect/sources") byHttp++;
  });
  await evaluate(page, (tk) => window.benchOpen(tk), token);
  const frame = await appFrame(page, serviceUrl);
  // The first screen, with its suggested sources.
  await frame.waitForSelector('#hc-suggestions:not([aria-busy]), [role="alert"]');
  const samples = [];
  let timeouts = 0;
  let errors = 0;
  const key = async (press, expected) => {
    await evaluate(frame, armKeystroke, expected);
    await press();
    return evaluate(frame, () => window.__benchKeystroke);
  };
  for (const [qi, query] of queries.entries()) {
    if (qi > 0) {
      // Clear the box (not measured).
      await page.keyboard.press("Control+A");
      await key(() => page.keyboard.press("Backspace"), "");
    }
    for (const [ci, ch] of [...query].entries()) {
      const r = await key(() => page.keyboard.type(ch), query.slice(0, ci + 1));
      if (r.timeout) {
        timeouts++;
        continue;
      }
      if (r.error) errors++;
      samples.push({ query, toResults: r.painted - r.key, toEcho: r.echo === null ? null : r.echo - r.key, options: r.options });
    }
  }
  log(`  search: ${samples.length} keystrokes measured, ${timeouts} timed out`);
  await evaluate(page, () => window.benchClose());
  await context.close();
  return { samples, timeouts, errors, byHttp };
}

async function counters(cdp) {
  await cdp.send("HeapProfiler.collectGarbage");
  await cdp.send("HeapProfiler.collectGarbage");
  const dom = await cdp.send("Memory.getDOMCounters");
  const heap = await cdp.send("Runtime.getHeapUsage");
  const listenersOf = async (expression) => {
    const { result } = await cdp.send("Runtime.evaluate", { expression });
    const { listeners } = await cdp.send("DOMDebugger.getEventListeners", { objectId: result.objectId, depth: -1 });
    await cdp.send("Runtime.releaseObject", { objectId: result.objectId });
    return listeners.length;
  };
  return {
    documents: dom.documents,
    nodes: dom.nodes,
    jsEventListeners: dom.jsEventListeners,
    windowListeners: await listenersOf("window"),
    documentListeners: await listenersOf("document"),
    heapUsed: heap.usedSize,
  };
}

/**
 * 100 open/close cycles on one customer page: each opens Connect with a new session token, waits for onReady, closes
 * and waits for onClose. DevTools counters of the page (after forced garbage collection) before and after.
 */
export async function measureLeaks({ browser, pageUrl, cycles, nextToken, log }) {
  const { context, page } = await newPage(browser, pageUrl);
  const cdp = await context.newCDPSession(page);
  await cdp.send("DOM.enable");
  const tokens = [];
  for (let i = 0; i < cycles + 2; i++) tokens.push(await nextToken());
  const cycle = async (token) => {
    await evaluate(page, (tk) => window.benchOpen(tk), token);
    await evaluate(page, () => window.benchClose());
  };
  // Two cycles first, so one-time costs (compiled code, the loader's first objects) are in the baseline.
  await cycle(tokens.shift());
  await cycle(tokens.shift());
  await page.waitForTimeout(300);
  const before = await counters(cdp);
  let middle;
  for (let i = 0; i < cycles; i++) {
    await cycle(tokens[i]);
    if ((i + 1) % 25 === 0) log(`  leaks: ${i + 1}/${cycles} cycles`);
    // Halfway counters tell steady growth (a leak) from a one-time step.
    if (i + 1 === Math.floor(cycles / 2)) {
      await page.waitForTimeout(300);
      middle = await counters(cdp);
    }
  }
  await page.waitForTimeout(300);
  const after = await counters(cdp);
  await context.close();
  return { before, middle, after, cycles };
}
