// The OpenAPI document at /openapi.json: a valid OpenAPI 3.1 document, true to what the running service answers
// (real answers of each API group validated against it, successes and errors), and complete (every route under /v1
// the app mounts has its operation, and no operation names a route that does not exist).
import { Validator } from "@seriousme/openapi-schema-validator";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createApp } from "../../src/server/app.ts";
import type { LiveCatalog } from "../../src/server/catalog/live-catalog.ts";
import { systemClock } from "../../src/server/clock.ts";
import { createServices } from "../../src/server/services.ts";
import { openStore } from "../../src/server/store/open-store.ts";
import { startTestService, type TestService } from "../helpers/service.ts";
import { api, ENTERPRISE_MFA, postJson, STARFLEET, type Reply } from "./support.ts";

interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>>;
}

let svc: TestService;
let doc: OpenApiDocument;
let client: { client_id: string; client_secret: string };
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajv);

beforeAll(async () => {
  svc = await startTestService({ catalogSize: 200 });
  client = await svc.createClient({ name: "OpenAPI Health", origins: ["http://localhost:3000"], permissions: { clientTokens: true } });
  const res = await fetch(`${svc.url}/openapi.json`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  doc = (await res.json()) as OpenApiDocument;
});
afterAll(async () => {
  await svc?.close();
});

/** Fails unless the reply is one the document describes for `method path`, status and body alike. */
function expectDescribed(reply: Reply<unknown>, method: string, path: string): void {
  const operation = doc.paths[path]?.[method];
  expect(operation, `${method} ${path} is documented`).toBeDefined();
  const answer = operation!.responses[String(reply.status)];
  expect(answer, `${method} ${path} documents status ${reply.status}: ${reply.text.slice(0, 200)}`).toBeDefined();
  const schema = answer!.content?.["application/json"]?.schema;
  if (reply.status === 204) {
    expect(schema).toBeUndefined();
    return;
  }
  expect(schema, `${method} ${path} ${reply.status} has a JSON schema`).toBeDefined();
  const validate = ajv.compile(schema!);
  const valid = validate(reply.body);
  expect(valid ? [] : validate.errors, `${method} ${path} ${reply.status}: ${reply.text.slice(0, 300)}`).toStrictEqual([]);
}

const basic = () => ({ Authorization: "Basic " + Buffer.from(`${client.client_id}:${client.client_secret}`).toString("base64") });

describe("the document", () => {
  test("is a valid OpenAPI 3.1 document", async () => {
    const result = await new Validator().validate(structuredClone(doc) as never);
    expect(result.errors ?? []).toStrictEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe("3.1.0");
  });

  test("lists every error code of the token endpoint's table, at its status", () => {
    const table: Record<string, string[]> = {
      400: ["INVALID_TOKEN_TYPE", "INVALID_REQUEST", "INVALID_JSON", "REQUEST_TOO_LARGE", "INVALID_REFRESH_TOKEN"],
      401: ["INVALID_CLIENT_ID", "INVALID_CLIENT_ID_OR_SECRET"],
      403: ["NOT_AUTHORIZED", "ID_TOKEN_GENERATION_NOT_ALLOWED", "CLIENT_TOKEN_GENERATION_NOT_ALLOWED", "SESSION_TOKEN_GENERATION_NOT_ALLOWED"],
      404: ["UNKNOWN_CLIENT_USER_ID"],
      429: ["RATE_LIMITED"],
    };
    const responses = doc.paths["/v1/connect/token"]!.post!.responses;
    for (const [status, codes] of Object.entries(table)) {
      const schema = responses[status]?.content?.["application/json"]?.schema as { properties: { errorCode: { enum: string[] } } };
      expect(schema, status).toBeDefined();
      expect([...schema.properties.errorCode.enum].sort(), status).toStrictEqual([...codes].sort());
    }
  });

  test("has an operation for every route under /v1 the app mounts, and no other", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "hc-openapi-"));
    const { store } = await openStore({ dataDir });
    try {
      const app = createApp({
        store,
        services: createServices(store, randomBytes(32), systemClock),
        clock: systemClock,
        catalog: { index: undefined } as unknown as Pick<LiveCatalog, "index">,
        distDir: dataDir,
      });
      const mounted = new Set(
        app.routes
          .filter((r) => r.method !== "ALL" && r.path.startsWith("/v1/"))
          .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:([A-Za-z_]+)(\{[^}]*\})?/g, "{$1}")}`),
      );
      expect(mounted.size).toBeGreaterThan(20);
      const documented = new Set(Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m} ${path}`)));
      expect([...mounted].filter((r) => !documented.has(r)), "mounted but not documented").toStrictEqual([]);
      expect([...documented].filter((r) => !mounted.has(r)), "documented but not mounted").toStrictEqual([]);
    } finally {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe("real answers validate against the document", () => {
  test("token endpoint: session and client tokens, and its errors", async () => {
    const url = `${svc.url}/v1/connect/token`;
    const creds = { client_id: client.client_id, client_secret: client.client_secret };
    expectDescribed(await postJson(url, { type: "session", ...creds, client_user_id: "openapi-1", client_user_email: "a@example.com" }), "post", "/v1/connect/token");
    expectDescribed(await postJson(url, { type: "client", ...creds }), "post", "/v1/connect/token");
    const badType = await postJson(url, { type: "nope", ...creds });
    expect(badType.status).toBe(400);
    expectDescribed(badType, "post", "/v1/connect/token");
    const unknown = await postJson(url, { type: "client", client_id: "0".repeat(24), client_secret: "x" });
    expect(unknown.status).toBe(401);
    expectDescribed(unknown, "post", "/v1/connect/token");
    const neverConnected = await postJson(url, { type: "id", ...creds, client_user_id: "openapi-1" });
    expect(neverConnected.status).toBe(404);
    expectDescribed(neverConnected, "post", "/v1/connect/token");
  });

  test("Connect API: session, search, source, connect, code, disconnect, close, OAuth start, and errors", async () => {
    const token = await svc.sessionToken(client.client_id, client.client_secret, "openapi-2");
    const call = (method: string, path: string, body?: unknown) => api(svc.url, method, path, token, body);
    expectDescribed(await call("GET", "/v1/connect/session"), "get", "/v1/connect/session");
    expectDescribed(await call("GET", "/v1/connect/sources?q=starfleet&per_page=5"), "get", "/v1/connect/sources");
    expectDescribed(await call("GET", `/v1/connect/sources/${STARFLEET}`), "get", "/v1/connect/sources/{id}");
    expectDescribed(await call("GET", `/v1/connect/suggested-sources?pinned=${STARFLEET},${"f".repeat(24)}`), "get", "/v1/connect/suggested-sources");
    const tooMany = await call("GET", `/v1/connect/suggested-sources?pinned=${Array(21).fill(STARFLEET).join(",")}`);
    expect(tooMany.status).toBe(400);
    expectDescribed(tooMany, "get", "/v1/connect/suggested-sources");
    const connected = await call("POST", "/v1/connect/connections", { source_id: STARFLEET, username: "demo", password: "demo" });
    expect(connected.status).toBe(201);
    expectDescribed(connected, "post", "/v1/connect/connections");
    const mfa = await call("POST", "/v1/connect/connections", { source_id: ENTERPRISE_MFA, username: "demo", password: "demo" });
    expect(mfa.status).toBe(200);
    expectDescribed(mfa, "post", "/v1/connect/connections");
    const wrongCode = await call("POST", "/v1/connect/connections/mfa", { challenge_id: (mfa.body as { challenge: { challenge_id: string } }).challenge.challenge_id, code: "000000" });
    expect(wrongCode.status).toBe(400);
    expectDescribed(wrongCode, "post", "/v1/connect/connections/mfa");
    expectDescribed(await call("DELETE", `/v1/connect/connections/${STARFLEET}`), "delete", "/v1/connect/connections/{source_id}");
    expectDescribed(await call("PUT", "/v1/connect/ui-state", { state: { screen: "search" } }), "put", "/v1/connect/ui-state");
    expectDescribed(await call("POST", "/v1/connect/session/close", { status: "SUCCESS" }), "post", "/v1/connect/session/close");
    const oauth = await call("POST", "/v1/connect/oauth/start", { source_id: "5b1daf3f079c652eaf41fd25" });
    expect(oauth.status).toBe(201);
    expectDescribed(oauth, "post", "/v1/connect/oauth/start");
    const attempt = (oauth.body as { attempt_id: string }).attempt_id;
    expectDescribed(await call("GET", `/v1/connect/oauth/attempts/${attempt}`), "get", "/v1/connect/oauth/attempts/{attempt_id}");

    const missing = await call("GET", `/v1/connect/sources/${"f".repeat(24)}`);
    expect(missing.status).toBe(404);
    expectDescribed(missing, "get", "/v1/connect/sources/{id}");
    const noToken = await api(svc.url, "GET", "/v1/connect/session", null);
    expect(noToken.status).toBe(401);
    expectDescribed(noToken, "get", "/v1/connect/session");
    const badBody = await call("POST", "/v1/connect/connections", "{not json");
    expect(badBody.status).toBe(400);
    expectDescribed(badBody, "post", "/v1/connect/connections");
  });

  test("server-to-server API: users, invite links, templates, webhooks, settings, and errors", async () => {
    const call = (method: string, path: string, body?: unknown) => api(svc.url, method, path, null, body, basic());
    const noEndpoint = await call("GET", "/v1/webhook-endpoint");
    expect(noEndpoint.status).toBe(404);
    expectDescribed(noEndpoint, "get", "/v1/webhook-endpoint");
    const link = await call("POST", "/v1/connect/invite-links", { client_user_id: "openapi-3", email: "c@example.com", expires_in: "3d" });
    expect(link.status).toBe(201);
    expectDescribed(link, "post", "/v1/connect/invite-links");
    expectDescribed(await call("GET", "/v1/users?per_page=100"), "get", "/v1/users");
    expectDescribed(await call("GET", "/v1/users?status=connected"), "get", "/v1/users");
    expectDescribed(await call("GET", "/v1/email-templates"), "get", "/v1/email-templates");
    expectDescribed(await call("GET", "/v1/email-templates/default"), "get", "/v1/email-templates/{alias}");
    const put = await call("PUT", "/v1/email-templates/welcome", { subject: "Hi", html: "<a href='{{sign_in_url}}'>go</a>" });
    expectDescribed(put, "put", "/v1/email-templates/{alias}");
    expectDescribed(await call("DELETE", "/v1/email-templates/welcome"), "delete", "/v1/email-templates/{alias}");
    const endpoint = await call("PUT", "/v1/webhook-endpoint", { url: "http://127.0.0.1:9/hooks" });
    expect(endpoint.status).toBe(201);
    expectDescribed(endpoint, "put", "/v1/webhook-endpoint");
    expectDescribed(await call("GET", "/v1/webhook-endpoint"), "get", "/v1/webhook-endpoint");
    expectDescribed(await call("GET", "/v1/webhook-deliveries"), "get", "/v1/webhook-deliveries");
    expectDescribed(await call("GET", "/v1/client-settings"), "get", "/v1/client-settings");
    expectDescribed(await call("PUT", "/v1/client-settings", { redirect_url: "https://example.com/done" }), "put", "/v1/client-settings");

    const badStatus = await call("GET", "/v1/users?status=bogus");
    expect(badStatus.status).toBe(400);
    expectDescribed(badStatus, "get", "/v1/users");
    const badTemplate = await call("PUT", "/v1/email-templates/welcome", { subject: "Hi", html: "no link" });
    expect(badTemplate.status).toBe(400);
    expectDescribed(badTemplate, "put", "/v1/email-templates/{alias}");
    const unauthorised = await api(svc.url, "GET", "/v1/users", null);
    expect(unauthorised.status).toBe(401);
    expectDescribed(unauthorised, "get", "/v1/users");
  });
});
