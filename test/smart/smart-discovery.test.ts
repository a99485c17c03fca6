// SMART discovery as the service does it: cached, with a time limit and a size limit, refusing EHRs that offer no
// PKCE S256; and the outbound address policy, which refuses before any connection is made.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, test } from "vitest";
import { SmartDiscovery } from "../../src/server/smart/discovery.ts";
import { SmartError } from "../../src/server/smart/errors.ts";
import { checkEhrAddress, fetchFromEhr, OutboundFailure } from "../../src/server/smart/outbound-fetch.ts";
import { startTestService } from "../helpers/service.ts";
import { api } from "../server/support.ts";

interface FakeEhr {
  base: string;
  hits: number;
  close(): Promise<void>;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise<void>((r) => s.close(() => r()));
});

/** A local server answering every request with `answer`. */
async function fakeEhr(answer: (req: IncomingMessage, res: ServerResponse) => void): Promise<FakeEhr> {
  const state = { hits: 0 };
  const server = createServer((req, res) => {
    state.hits++;
    answer(req, res);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    base: `http://127.0.0.1:${port}/fhir`,
    get hits() {
      return state.hits;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const json = (body: unknown) => (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
};

const GOOD = {
  authorization_endpoint: "http://127.0.0.1:1/authorize",
  token_endpoint: "http://127.0.0.1:1/token",
  code_challenge_methods_supported: ["S256"],
  capabilities: ["launch-standalone"],
};

const local = () => new SmartDiscovery({ allowPrivate: true }, Date.now, { timeoutMs: 500, maxBytes: 64 * 1024, cacheMs: 60_000 });

async function failure(promise: Promise<unknown>): Promise<SmartError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SmartError);
  expect((err as SmartError).code).toBe("EHR_DISCOVERY_FAILED");
  return err as SmartError;
}

describe("SMART discovery", () => {
  test("reads the configuration once and serves it from the cache after", async () => {
    const ehr = await fakeEhr(json(GOOD));
    const discovery = local();
    const first = await discovery.discover(ehr.base);
    expect(first.authorizationServer).toMatchObject({ issuer: ehr.base, authorization_endpoint: GOOD.authorization_endpoint, token_endpoint: GOOD.token_endpoint });
    await discovery.discover(ehr.base);
    expect(ehr.hits).toBe(1);
    discovery.clear();
    await discovery.discover(ehr.base);
    expect(ehr.hits).toBe(2);
  });

  test("an unreachable EHR", async () => {
    const ehr = await fakeEhr(json(GOOD));
    await ehr.close();
    const err = await failure(local().discover(ehr.base));
    expect(err.message).toMatch(/could not be reached/);
  });

  test("an answer that is not JSON", async () => {
    const ehr = await fakeEhr((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<html><body>Maintenance</body></html>");
    });
    expect((await failure(local().discover(ehr.base))).message).toMatch(/not JSON/);
  });

  test("a document too large, announced or streamed", async () => {
    const padding = "x".repeat(100 * 1024);
    const announced = await fakeEhr(json({ ...GOOD, padding }));
    expect((await failure(local().discover(announced.base))).message).toMatch(/larger than 65536 bytes/);
    const streamed = await fakeEhr((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      for (let i = 0; i < 100; i++) res.write(" ".repeat(1024));
      res.end(JSON.stringify(GOOD));
    });
    expect((await failure(local().discover(streamed.base))).message).toMatch(/larger than 65536 bytes/);
  });

  test("no S256 offered (plain only, or no PKCE at all)", async () => {
    const plain = await fakeEhr(json({ ...GOOD, code_challenge_methods_supported: ["plain"] }));
    expect((await failure(local().discover(plain.base))).message).toMatch(/does not offer PKCE with S256/);
    const none = await fakeEhr(json({ ...GOOD, code_challenge_methods_supported: undefined }));
    expect((await failure(local().discover(none.base))).message).toMatch(/does not offer PKCE with S256/);
  });

  test("a time limit, a non-200 answer, a document without endpoints, and a redirect not followed", async () => {
    const silent = await fakeEhr(() => {});
    expect((await failure(local().discover(silent.base))).message).toMatch(/did not answer within 500 ms/);
    const missing = await fakeEhr((_req, res) => {
      res.writeHead(404);
      res.end();
    });
    expect((await failure(local().discover(missing.base))).message).toMatch(/HTTP 404/);
    const partial = await fakeEhr(json({ code_challenge_methods_supported: ["S256"] }));
    expect((await failure(local().discover(partial.base))).message).toMatch(/authorization_endpoint/);
    const target = await fakeEhr(json(GOOD));
    const moved = await fakeEhr((_req, res) => {
      res.writeHead(302, { location: `${target.base}/.well-known/smart-configuration` });
      res.end();
    });
    expect((await failure(local().discover(moved.base))).message).toMatch(/HTTP 302/);
    expect(target.hits).toBe(0);
  });

  test("failures are not cached: the next attempt asks again", async () => {
    let healthy = false;
    const ehr = await fakeEhr((req, res) => (healthy ? json(GOOD)(req, res) : (res.writeHead(503), res.end())));
    const discovery = local();
    await failure(discovery.discover(ehr.base));
    healthy = true;
    await expect(discovery.discover(ehr.base)).resolves.toBeDefined();
  });
});

describe("the outbound address policy for EHRs (the webhooks' policy)", () => {
  test("refuses loopback, private, link-local (metadata) addresses and plain http without the opt-in, before connecting", async () => {
    const strict = { allowPrivate: false, resolveHost: async () => [{ address: "10.0.0.7", family: 4 as const }] };
    const refused = async (url: string) => {
      const err = await checkEhrAddress(new URL(url), strict).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, url).toBeInstanceOf(OutboundFailure);
      expect((err as OutboundFailure).kind, url).toBe("refused");
      return (err as OutboundFailure).message;
    };
    expect(await refused("http://ehr.example.com/fhir")).toMatch(/plain http/);
    expect(await refused("https://127.0.0.1/fhir")).toMatch(/loopback/);
    expect(await refused("https://localhost/fhir")).toMatch(/loopback/);
    expect(await refused("https://169.254.169.254/latest/meta-data")).toMatch(/link-local/);
    expect(await refused("https://[::ffff:192.168.1.10]/fhir")).toMatch(/private/);
    expect(await refused("https://ehr.internal.example/fhir")).toMatch(/resolves to 10\.0\.0\.7, a non-public address \(private\)/);
    expect(await refused("https://user:pass@fhir.example.com/fhir")).toMatch(/credentials/);
    // A public address passes the policy (nothing is sent by the check itself).
    await expect(checkEhrAddress(new URL("https://fhir.example.com/r4"), { allowPrivate: false, resolveHost: async () => [{ address: "93.184.215.14", family: 4 }] })).resolves.toEqual({
      address: "93.184.215.14",
      family: 4,
    });
  });

  test("a refused request reaches nothing: the local EHR sees no request", async () => {
    const ehr = await fakeEhr(json(GOOD));
    const err = await fetchFromEhr(`${ehr.base}/metadata`, { method: "GET", headers: {}, timeoutMs: 500, maxBytes: 1024 }, { allowPrivate: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutboundFailure);
    expect(ehr.hits).toBe(0);
  });

  test("over the service: without the local opt-in a local EHR is refused, start answers 502 EHR_DISCOVERY_FAILED, and the EHR sees nothing", async () => {
    const ehr = await fakeEhr(json(GOOD));
    const svc = await startTestService({ catalogSize: 100, allowPrivateWebhooks: false });
    try {
      const { parseCatalog } = await import("../../src/server/catalog/import.ts");
      await svc.services.smart.importCatalog(
        parseCatalog(JSON.stringify([{ id: "b0b0b0b0b0b0b0b0b0b0b0b1", name: "Local EHR", type: "hospital", city: "Austin", state: "TX", auth: "smart", fhir_base_url: ehr.base, smart_client_id: "app" }]), "json"),
        Date.now(),
      );
      const client = await svc.createClient({ origins: ["http://localhost:3000"] });
      const token = await svc.sessionToken(client.client_id, client.client_secret, "local-ehr-user");
      const start = await api(svc.url, "POST", "/v1/connect/oauth/start", token, { source_id: "b0b0b0b0b0b0b0b0b0b0b0b1" });
      expect(start.status).toBe(502);
      expect(start.body).toMatchObject({ errorCode: "EHR_DISCOVERY_FAILED" });
      expect(String(start.body.message)).toMatch(/^Local EHR cannot be reached to sign in right now\..*plain http/);
      expect(ehr.hits).toBe(0);
    } finally {
      await svc.close();
    }
  });
});
