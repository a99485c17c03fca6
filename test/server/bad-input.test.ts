import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestService, type TestService } from "../helpers/service.ts";
import { api, errorCodeOf, postJson, STARFLEET } from "./support.ts";

let svc: TestService;
let tokenUrl: string;
let client: { client_id: string; client_secret: string };

beforeAll(async () => {
  svc = await startTestService({ catalogSize: 2000 });
  tokenUrl = `${svc.url}/v1/connect/token`;
  client = await svc.createClient({ origins: ["http://localhost:3000"] });
});
afterAll(() => svc.close());

const good = () => ({
  type: "session",
  client_id: client.client_id,
  client_secret: client.client_secret,
  client_user_id: "someone",
  client_user_email: "someone@example.com",
});

/** Sends raw bytes with an explicit content type, over node:http so that nothing is normalised. */
function rawPost(url: string, body: Buffer, contentType: string, chunked = false): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { "Content-Type": contentType };
    if (!chunked) headers["Content-Length"] = String(body.length);
    const req = request(url, { method: "POST", headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown> }));
    });
    req.on("error", reject);
    if (chunked) {
      for (let i = 0; i < body.length; i += 4096) req.write(body.subarray(i, i + 4096));
    } else {
      req.write(body);
    }
    req.end();
  });
}

describe("the token endpoint refuses bad input with a clear 4xx and stores nothing", () => {
  let humansBefore: number;
  let tokensBefore: number;
  beforeAll(async () => {
    humansBefore = await svc.store.humans.count();
    tokensBefore = await svc.store.tokens.count();
  });

  test("broken JSON -> 400 INVALID_JSON", async () => {
    for (const body of ['{"type": "session",', "", "nope", '{"a":1}}']) {
      const r = await postJson(tokenUrl, body);
      expect(r.status).toBe(400);
      expect(errorCodeOf(r)).toBe("INVALID_JSON");
      expect(typeof r.body.message).toBe("string");
    }
  });

  test("a JSON value that is not an object -> 400 INVALID_REQUEST", async () => {
    for (const body of ["[]", '"session"', "42", "null"]) {
      const r = await postJson(tokenUrl, body);
      expect(r.status).toBe(400);
      expect(errorCodeOf(r)).toBe("INVALID_REQUEST");
    }
  });

  test("each missing field -> 400 INVALID_REQUEST naming the field", async () => {
    for (const field of ["client_id", "client_secret", "client_user_id", "client_user_email"]) {
      const body: Record<string, unknown> = good();
      delete body[field];
      const r = await postJson(tokenUrl, body);
      expect(r.status).toBe(400);
      expect(errorCodeOf(r)).toBe("INVALID_REQUEST");
      expect(r.body.message).toContain(field);
    }
  });

  test("wrong types -> 400 INVALID_REQUEST", async () => {
    for (const patch of [
      { client_user_id: 42 },
      { client_user_id: { $ne: null } },
      { client_user_id: ["a"] },
      { client_id: true },
      { client_secret: null },
      { client_user_email: 7 },
      { client_user_email: "not-an-email" },
      { client_user_id: "" },
      { client_user_id: "x".repeat(256) },
    ]) {
      const r = await postJson(tokenUrl, { ...good(), ...patch });
      expect(r.status, JSON.stringify(patch)).toBe(400);
      expect(errorCodeOf(r)).toBe("INVALID_REQUEST");
    }
  });

  test("a body over 16 KB -> 400 REQUEST_TOO_LARGE, with or without Content-Length", async () => {
    const huge = Buffer.from(JSON.stringify({ ...good(), padding: "x".repeat(17 * 1024) }));
    const declared = await rawPost(tokenUrl, huge, "application/json");
    expect(declared.status).toBe(400);
    expect(declared.body.errorCode).toBe("REQUEST_TOO_LARGE");
    const chunked = await rawPost(tokenUrl, huge, "application/json", true);
    expect(chunked.status).toBe(400);
    expect(chunked.body.errorCode).toBe("REQUEST_TOO_LARGE");
  });

  test("bytes that are not UTF-8 -> 400 INVALID_REQUEST", async () => {
    const json = Buffer.from(JSON.stringify({ ...good(), client_user_id: "AB" }));
    const at = json.indexOf("AB");
    json[at] = 0xff;
    json[at + 1] = 0xfe;
    const r = await rawPost(tokenUrl, json, "application/json");
    expect(r.status).toBe(400);
    expect(r.body.errorCode).toBe("INVALID_REQUEST");
  });

  test("a lone surrogate or a NUL in client_user_id -> 400 INVALID_REQUEST", async () => {
    const lone = JSON.stringify(good()).replace('"someone"', '"a\\ud800b"');
    const r1 = await postJson(tokenUrl, lone);
    expect(r1.status).toBe(400);
    expect(errorCodeOf(r1)).toBe("INVALID_REQUEST");
    const r2 = await postJson(tokenUrl, { ...good(), client_user_id: "a\u0000b" });
    expect(r2.status).toBe(400);
    expect(errorCodeOf(r2)).toBe("INVALID_REQUEST");
  });

  test("a content type that is neither JSON nor a form -> 400 INVALID_REQUEST", async () => {
    const r = await rawPost(tokenUrl, Buffer.from(JSON.stringify(good())), "text/plain");
    expect(r.status).toBe(400);
    expect(r.body.errorCode).toBe("INVALID_REQUEST");
  });

  test("a form with a repeated field -> 400 INVALID_REQUEST", async () => {
    const form = new URLSearchParams(good());
    form.append("client_user_id", "second");
    const res = await fetch(tokenUrl, { method: "POST", body: form });
    expect(res.status).toBe(400);
  });

  test("nothing of the above was stored", async () => {
    expect(await svc.store.humans.count()).toBe(humansBefore);
    expect(await svc.store.tokens.count()).toBe(tokensBefore);
  });
});

describe("odd but valid identifiers are data, not code", () => {
  test("emoji and 255-character ids are accepted and keep their human_id", async () => {
    const emoji = "🧑‍⚕️ patient 🏥";
    const a = await postJson(tokenUrl, { ...good(), client_user_id: emoji });
    const b = await postJson(tokenUrl, { ...good(), client_user_id: emoji });
    expect(a.status).toBe(200);
    expect(a.body.human_id).toBe(b.body.human_id);
    expect((await svc.store.humans.find(client.client_id, emoji))?.humanId).toBe(a.body.human_id);
    const longest = "😀".repeat(255); // 255 characters, 510 UTF-16 units
    expect((await postJson(tokenUrl, { ...good(), client_user_id: longest })).status).toBe(200);
    expect((await postJson(tokenUrl, { ...good(), client_user_id: longest + "😀" })).status).toBe(400);
  });

  test("SQL metacharacters in client_user_id are stored verbatim and change nothing else", async () => {
    const nasty = `x'); DROP TABLE humans; -- " OR 1=1 /* %_\\`;
    const humansBefore = await svc.store.humans.count();
    const wrongSecret = await postJson(tokenUrl, { ...good(), client_user_id: nasty, client_secret: "nope" });
    expect(wrongSecret.status).toBe(401);
    expect(await svc.store.humans.count()).toBe(humansBefore);

    const a = await postJson(tokenUrl, { ...good(), client_user_id: nasty });
    expect(a.status).toBe(200);
    expect(await svc.store.humans.count()).toBe(humansBefore + 1);
    const stored = await svc.store.humans.find(client.client_id, nasty);
    expect(stored?.clientUserId).toBe(nasty);
    const b = await postJson(tokenUrl, { ...good(), client_user_id: nasty });
    expect(b.body.human_id).toBe(a.body.human_id);
    // the wildcard characters did not match anyone else
    expect(await svc.store.humans.find(client.client_id, "x'); DROP TABLE humans; -- \" OR 1=1 /* ab\\")).toBeUndefined();
  });
});

describe("the Connect API refuses bad input", () => {
  let token: string;
  beforeAll(async () => {
    token = await svc.sessionToken(client.client_id, client.client_secret, "api-bad-input");
  });

  test("bodies: broken JSON, wrong types, missing fields, too large, wrong content type", async () => {
    const cases: [unknown, string][] = [
      ["{", "INVALID_JSON"],
      [{ source_id: STARFLEET, username: "demo" }, "INVALID_REQUEST"],
      [{ source_id: 12, username: "demo", password: "demo" }, "INVALID_REQUEST"],
      [{ source_id: "'; DROP TABLE sources; --", username: "demo", password: "demo" }, "INVALID_REQUEST"],
      [{ source_id: STARFLEET, username: "demo\u0000", password: "demo" }, "INVALID_REQUEST"],
      [{ source_id: STARFLEET, username: "demo", password: "x".repeat(17_000) }, "REQUEST_TOO_LARGE"],
    ];
    for (const [body, code] of cases) {
      const r = await api(svc.url, "POST", "/v1/connect/connections", token, body);
      expect(r.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(errorCodeOf(r)).toBe(code);
    }
    const res = await fetch(`${svc.url}/v1/connect/connections`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "text/plain" },
      body: JSON.stringify({ source_id: STARFLEET, username: "demo", password: "demo" }),
    });
    expect(res.status).toBe(400);
    const view = await api(svc.url, "GET", "/v1/connect/session", token);
    expect(view.body.connections).toEqual([]);
  });

  test("ui-state: not an object, or over 8 KB", async () => {
    for (const body of [{ state: "x" }, { state: [1, 2] }, {}, { state: { big: "x".repeat(9000) } }]) {
      const r = await api(svc.url, "PUT", "/v1/connect/ui-state", token, body);
      expect(r.status).toBe(400);
      expect(errorCodeOf(r)).toBe("INVALID_REQUEST");
    }
    const view = await api(svc.url, "GET", "/v1/connect/session", token);
    expect(view.body.ui_state).toBeNull();
  });

  test("search parameters out of range", async () => {
    for (const qs of ["page=0", "page=-1", "page=abc", "per_page=51", "per_page=0", "type=spaceship", `q=${"a".repeat(201)}`]) {
      const r = await api(svc.url, "GET", `/v1/connect/sources?${qs}`, token);
      expect(r.status, qs).toBe(400);
      expect(errorCodeOf(r)).toBe("INVALID_REQUEST");
    }
  });

  test("unknown routes answer the JSON error shape", async () => {
    const r = await api(svc.url, "GET", "/v1/nope", null);
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ errorCode: "NOT_FOUND", message: expect.any(String) });
  });
});
