// Service throughput with autocannon: the token endpoint, the source search, and a hello-world floor, one after
// the other in the same run, each against a server in its own process.
import autocannon from "autocannon";
import { sessionTokenBody } from "./processes.mjs";

/** Connections and seconds of each autocannon run. */
export const LOAD = { connections: 50, durationSeconds: 10, warmupSeconds: 2 };

const SEARCH_QUERIES = ["c", "cl", "cle", "clev", "cleveland", "cleveland clinic", "pharmacy boston", "hosptial", "starflet", "lab chicgo", "urgent care", "san fransisco"];

function cannon(opts) {
  return new Promise((resolve, reject) => {
    autocannon({ connections: LOAD.connections, ...opts }, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

/** One measured load run (after a short warm-up run): requests/s (mean), p99 latency, and what went wrong. */
async function measure(opts) {
  await cannon({ ...opts, duration: LOAD.warmupSeconds });
  const r = await cannon({ ...opts, duration: LOAD.durationSeconds });
  return {
    requestsPerSecond: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
  };
}

function tokenRequests(client, prefix) {
  let n = 0;
  return [
    {
      method: "POST",
      path: "/v1/connect/token",
      headers: { "content-type": "application/json" },
      setupRequest: (req) => ({ ...req, body: sessionTokenBody(client, `${prefix}-${process.pid}-${n++}`) }),
    },
  ];
}

/** POST /v1/connect/token with type session, a new end user per request (as a backend starting sessions does). */
export function measureTokenEndpoint(serviceUrl, client, prefix = "load") {
  return measure({ url: serviceUrl, requests: tokenRequests(client, prefix) });
}

/**
 * The token endpoint of several instances behind a client-side balancer: the connections split evenly over the
 * instances, run at the same time; the requests add up and the p99 is the worst instance's.
 */
export async function measureTokenEndpointSpread(serviceUrls, client, prefix = "spread") {
  const connections = Math.floor(LOAD.connections / serviceUrls.length);
  const results = await Promise.all(
    serviceUrls.map((url, i) => measure({ url, connections, requests: tokenRequests(client, `${prefix}-${i}`) })),
  );
  return {
    requestsPerSecond: results.reduce((sum, r) => sum + r.requestsPerSecond, 0),
    p50: Math.max(...results.map((r) => r.p50)),
    p99: Math.max(...results.map((r) => r.p99)),
    requests: results.reduce((sum, r) => sum + r.requests, 0),
    non2xx: results.reduce((sum, r) => sum + r.non2xx, 0),
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    timeouts: results.reduce((sum, r) => sum + r.timeouts, 0),
  };
}

/** GET /v1/connect/sources?q=... with a session token, rotating through typed queries (prefixes and typos). */
export function measureSourceSearch(serviceUrl, token, parentOrigin) {
  let n = 0;
  return measure({
    url: serviceUrl,
    headers: { authorization: `Bearer ${token}`, "human-connect-parent-origin": parentOrigin },
    requests: [
      {
        method: "GET",
        setupRequest: (req) => ({
          ...req,
          path: `/v1/connect/sources?q=${encodeURIComponent(SEARCH_QUERIES[n++ % SEARCH_QUERIES.length])}&per_page=20`,
        }),
      },
    ],
  });
}

/**
 * POST /v1/connect/connections with a password, as the app sends it: `users` session tokens take turns, and each
 * signs in to the next of the `sources` it has not connected yet (a connected source would answer 409).
 */
export function measureConnect(serviceUrl, tokens, sources, parentOrigin) {
  let n = 0;
  return measure({
    url: serviceUrl,
    requests: [
      {
        method: "POST",
        setupRequest: (req) => {
          const i = n++;
          const token = tokens[i % tokens.length];
          const source = sources[Math.floor(i / tokens.length) % sources.length];
          return {
            ...req,
            path: "/v1/connect/connections",
            headers: { authorization: `Bearer ${token}`, "human-connect-parent-origin": parentOrigin, "content-type": "application/json" },
            body: JSON.stringify({ source_id: source, username: "demo", password: "demo" }),
          };
        },
      },
    ],
  });
}

/** GET /v1/connect/session, the app's first call, with `tokens` taking turns. */
export function measureSessionRead(serviceUrl, tokens, parentOrigin) {
  let n = 0;
  return measure({
    url: serviceUrl,
    requests: [
      {
        method: "GET",
        setupRequest: (req) => ({
          ...req,
          path: "/v1/connect/session",
          headers: { authorization: `Bearer ${tokens[n++ % tokens.length]}`, "human-connect-parent-origin": parentOrigin },
        }),
      },
    ],
  });
}

/** GET / of the hello-world server: the floor. */
export function measureHello(url) {
  return measure({ url });
}
