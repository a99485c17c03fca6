// What one search costs to carry from Chromium to a Node server on loopback and back, by HTTP request and by a message
// on an open WebSocket: the same answer (a page of 10 sources) from the smallest server, so only the transport differs.
import http from "node:http";
import { WebSocketServer } from "ws";

const ANSWER = JSON.stringify({
  query: "clinic",
  type: null,
  page: 1,
  per_page: 10,
  total: 1000,
  results: Array.from({ length: 10 }, (_, i) => ({ id: String(i).padStart(24, "0"), name: `Clinic ${i}`, type: "clinic", city: "Cleveland", state: "OH", auth: "credentials" })),
});

const PAGE = `<!doctype html><meta charset="utf-8"><title>transport</title><script>
window.roundTrips = async (n, pauseMs) => {
  const pause = () => new Promise((r) => setTimeout(r, pauseMs));
  const http = [], socket = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await (await fetch("/search?q=" + i, { headers: { Authorization: "Bearer x" }, cache: "no-store" })).json();
    http.push(performance.now() - t);
    await pause();
  }
  const ws = new WebSocket("ws://" + location.host + "/socket");
  await new Promise((r) => (ws.onopen = r));
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    ws.send(JSON.stringify({ type: "search", id: i, q: String(i) }));
    await new Promise((r) => (ws.onmessage = (m) => r(JSON.parse(m.data))));
    socket.push(performance.now() - t);
    await pause();
  }
  ws.close();
  return { http, socket };
};
</script>`;

/** Round trips of `n` searches each way, a typing pause apart, from a page of `browser`. */
export async function measureTransport({ browser, n = 150, pauseMs = 30 }) {
  const server = http.createServer((req, res) => {
    const html = req.url === "/";
    res.writeHead(200, { "content-type": html ? "text/html" : "application/json" });
    res.end(html ? PAGE : ANSWER);
  });
  const sockets = new WebSocketServer({ server, path: "/socket" });
  sockets.on("connection", (ws) => ws.on("message", () => ws.send(ANSWER)));
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    return await page.evaluate(([count, pause]) => window.roundTrips(count, pause), [n, pauseMs]);
  } finally {
    await context.close();
    sockets.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}
