// The Connect service for the throughput runs: the same `startServer` as `human-connect serve` (request log on,
// written to this process's stdout), with the token endpoint's rate limits raised so that the run measures the
// endpoint rather than its 429 answers (and the connect attempts' per-user limit, for the same reason). Reports its URL (and, unless told to join, a new client's credentials) over IPC.
// Arguments: DATA_DIR ORIGIN [DATABASE_URL [join]]; with a database URL the master key comes from HC_MASTER_KEY.
import { startServer } from "../../src/server/main.ts";
import { DEFAULT_RATE_LIMITS } from "../../src/server/rate-limit.ts";

const [dataDir, origin, databaseUrl, mode] = process.argv.slice(2);
if (!dataDir || !origin) throw new Error("usage: service.mjs DATA_DIR ORIGIN [DATABASE_URL [join]]");

const server = await startServer({
  port: 0,
  dataDir,
  ...(databaseUrl ? { databaseUrl } : {}),
  rateLimits: { ...DEFAULT_RATE_LIMITS, tokenPerIp: 1e9, tokenPerClient: 1e9, connectPerHuman: 1e9 },
});
// Sources that sign in with a password and answer at once: what the connect run signs in to.
const connectable = (await server.store.sources.list())
  .filter((s) => s.auth === "credentials" && s.behavior === "normal")
  .slice(0, 2000)
  .map((s) => s.id);
const client =
  mode === "join"
    ? null
    : await server.services.clients.create({
        name: "Bench",
        allowedOrigins: [origin],
        primaryColor: null,
        logoUrl: null,
        redirectUrl: null,
        permissions: { idTokens: true, clientTokens: false },
      });
process.send?.({ ready: { url: server.url, client, connectable } });
process.once("SIGTERM", () => {
  void server.close().then(() => process.exit(0));
});
