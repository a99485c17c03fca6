// The sandbox EHR on its own: discovery and CapabilityStatement, the authorize page's refusals, the token endpoint
// (PKCE S256, one-time codes, refresh rotation, the client secret when started with one), FHIR reads limited to the
// token's patient, and the fault switches.
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runCli } from "../../src/server/cli/run.ts";
import { startSandboxEhr, type RunningSandboxEhr } from "../../src/sandbox-ehr/server.ts";

let ehr: RunningSandboxEhr;
let secretEhr: RunningSandboxEhr;
const REDIRECT = "http://127.0.0.1:1/v1/connect/oauth/callback";

beforeAll(async () => {
  ehr = await startSandboxEhr({ port: 0 });
  secretEhr = await startSandboxEhr({ port: 0, clientSecret: "s3cret" });
});
afterAll(async () => {
  await ehr?.close();
  await secretEhr?.close();
});

const verifier = () => randomBytes(32).toString("base64url");
const challengeOf = (v: string) => createHash("sha256").update(v).digest("base64url");

function authorizeParams(target: RunningSandboxEhr, challenge: string, extra: Record<string, string> = {}): URLSearchParams {
  return new URLSearchParams({
    response_type: "code",
    client_id: "any-app",
    redirect_uri: REDIRECT,
    scope: "launch/patient patient/*.rs offline_access",
    state: "state-1234567890abcdef",
    aud: target.fhirBaseUrl,
    code_challenge: challenge,
    code_challenge_method: "S256",
    ...extra,
  });
}

/** Signs in at the authorize page and returns the code. */
async function codeFor(target: RunningSandboxEhr, challenge: string, username = "demo", password = username): Promise<string> {
  const form = authorizeParams(target, challenge);
  form.set("username", username);
  form.set("password", password);
  form.set("decision", "allow");
  const res = await fetch(`${target.url}/oauth/authorize`, { method: "POST", body: form, redirect: "manual" });
  expect(res.status).toBe(303);
  const location = new URL(res.headers.get("location")!);
  expect(location.searchParams.get("state")).toBe("state-1234567890abcdef");
  return location.searchParams.get("code")!;
}

const token = (target: RunningSandboxEhr, body: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(`${target.url}/oauth/token`, { method: "POST", headers, body: new URLSearchParams(body) });

describe("the sandbox EHR", () => {
  test("discovery and CapabilityStatement under /fhir", async () => {
    const config = (await (await fetch(`${ehr.fhirBaseUrl}/.well-known/smart-configuration`)).json()) as Record<string, unknown>;
    expect(config).toMatchObject({ authorization_endpoint: `${ehr.url}/oauth/authorize`, token_endpoint: `${ehr.url}/oauth/token`, code_challenge_methods_supported: ["S256"] });
    const metadata = await fetch(`${ehr.fhirBaseUrl}/metadata`);
    expect(metadata.headers.get("content-type")).toMatch(/^application\/fhir\+json/);
    expect(await metadata.json()).toMatchObject({ resourceType: "CapabilityStatement", fhirVersion: "4.0.1" });
  });

  test("the authorize page refuses a wrong aud, no S256, and a missing redirect URI; it shows Username, Password, Allow and Deny", async () => {
    const challenge = challengeOf(verifier());
    for (const [extra, why] of [
      [{ aud: "https://elsewhere.example.com/fhir" }, "aud"],
      [{ code_challenge_method: "plain" }, "S256"],
      [{ redirect_uri: "" }, "redirect_uri"],
    ] as const) {
      const res = await fetch(`${ehr.url}/oauth/authorize?${authorizeParams(ehr, challenge, extra)}`);
      expect(res.status).toBe(400);
      expect(await res.text()).toContain(why);
    }
    const page = await (await fetch(`${ehr.url}/oauth/authorize?${authorizeParams(ehr, challenge)}`)).text();
    for (const text of ['<label for="username">Username</label>', '<label for="password">Password</label>', ">Allow</button>", ">Deny</button>"]) expect(page).toContain(text);
    const denied = authorizeParams(ehr, challenge);
    denied.set("decision", "deny");
    const res = await fetch(`${ehr.url}/oauth/authorize`, { method: "POST", body: denied, redirect: "manual" });
    expect(new URL(res.headers.get("location")!).searchParams.get("error")).toBe("access_denied");
    const wrong = authorizeParams(ehr, challenge);
    wrong.set("username", "demo");
    wrong.set("password", "nope");
    wrong.set("decision", "allow");
    const refused = await fetch(`${ehr.url}/oauth/authorize`, { method: "POST", body: wrong, redirect: "manual" });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('role="alert">The username or password is not correct.');
  });

  test("code exchange with PKCE S256, once; refresh rotates; reads only the token's patient", async () => {
    const v = verifier();
    const code = await codeFor(ehr, challengeOf(v), "jordan");
    const badVerifier = await token(ehr, { grant_type: "authorization_code", code, redirect_uri: REDIRECT, code_verifier: verifier(), client_id: "any-app" });
    expect(((await badVerifier.json()) as { error: string }).error).toBe("invalid_grant");
    const code2 = await codeFor(ehr, challengeOf(v), "jordan");
    const ok = await token(ehr, { grant_type: "authorization_code", code: code2, redirect_uri: REDIRECT, code_verifier: v, client_id: "any-app" });
    const tokens = (await ok.json()) as { access_token: string; refresh_token: string; patient: string; token_type: string };
    expect(tokens).toMatchObject({ token_type: "Bearer", patient: "hc-demo-2" });
    const reused = await token(ehr, { grant_type: "authorization_code", code: code2, redirect_uri: REDIRECT, code_verifier: v, client_id: "any-app" });
    expect(reused.status).toBe(400);

    const read = (path: string, access = tokens.access_token) => fetch(`${ehr.fhirBaseUrl}/${path}`, { headers: { authorization: `Bearer ${access}` } });
    expect((await read("Patient/hc-demo-2")).status).toBe(200);
    expect((await read("Patient/hc-demo-1")).status).toBe(403);
    expect((await read("MedicationRequest?patient=Patient/hc-demo-2")).status).toBe(200);
    expect((await read("Observation?patient=hc-demo-1")).status).toBe(403);

    const refreshed = (await (await token(ehr, { grant_type: "refresh_token", refresh_token: tokens.refresh_token, client_id: "any-app" })).json()) as { access_token: string; refresh_token: string };
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    const again = await token(ehr, { grant_type: "refresh_token", refresh_token: tokens.refresh_token, client_id: "any-app" });
    expect(((await again.json()) as { error: string }).error).toBe("invalid_grant");
    const issued = ((await (await fetch(`${ehr.url}/_sandbox/tokens`)).json()) as { issued: string[] }).issued;
    expect(issued).toEqual(expect.arrayContaining([tokens.access_token, tokens.refresh_token, refreshed.access_token, refreshed.refresh_token]));

    // Faults: expired access tokens (new ones work), refused refresh tokens, forbidden types; {} clears them.
    const faults = (body: unknown) => fetch(`${ehr.url}/_sandbox/faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    expect((await faults({ access: "expired", refresh: "invalid_grant", forbid: ["Condition"] })).status).toBe(200);
    const expired = await read("Patient/hc-demo-2", refreshed.access_token);
    expect(expired.status).toBe(401);
    expect(expired.headers.get("www-authenticate")).toMatch(/error="invalid_token"/);
    const refusedRefresh = await token(ehr, { grant_type: "refresh_token", refresh_token: refreshed.refresh_token, client_id: "any-app" });
    expect(((await refusedRefresh.json()) as { error: string }).error).toBe("invalid_grant");
    expect((await faults({ bogus: true })).status).toBe(400);
    expect((await faults({})).status).toBe(200);
    const fresh = (await (await token(ehr, { grant_type: "refresh_token", refresh_token: refreshed.refresh_token, client_id: "any-app" })).json()) as { access_token: string };
    expect((await read("Condition?patient=hc-demo-2", fresh.access_token)).status).toBe(200);
  });

  test("started with a client secret, the token endpoint requires it (client_secret_basic)", async () => {
    const v = verifier();
    const exchange = (auth?: string) =>
      token(secretEhr, { grant_type: "authorization_code", code: "x", redirect_uri: REDIRECT, code_verifier: v, client_id: "any-app" }, auth ? { authorization: `Basic ${Buffer.from(auth).toString("base64")}` } : {});
    expect((await exchange()).status).toBe(401);
    expect((await exchange("any-app:wrong")).status).toBe(401);
    const code = await codeFor(secretEhr, challengeOf(v));
    const ok = await token(secretEhr, { grant_type: "authorization_code", code, redirect_uri: REDIRECT, code_verifier: v }, { authorization: `Basic ${Buffer.from("any-app:s3cret").toString("base64")}` });
    expect(ok.status).toBe(200);
  });

  test("`human-connect sandbox-ehr` runs as its own process, on its own port, until SIGTERM", async () => {
    // A private bundle of the CLI, so that this test does not depend on (or race with) dist/.
    const outDir = join(process.cwd(), "node_modules", ".cache", `hc-sandbox-ehr-test-${process.pid}`);
    mkdirSync(outDir, { recursive: true });
    try {
      const cliJs = join(outDir, "cli.js");
      await build({ entryPoints: ["src/server/cli.ts"], outfile: cliJs, bundle: true, platform: "node", format: "esm", packages: "external", target: "node20", logLevel: "silent" });
      const child = spawn(process.execPath, [cliJs, "sandbox-ehr", "--port", "0", "--client-secret", "cli-secret"], { stdio: ["ignore", "pipe", "pipe"] });
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      let out = "";
      const base = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no FHIR base line in: ${out}`)), 15_000);
        child.stdout.on("data", (d: Buffer) => {
          out += d.toString();
          const m = /FHIR base URL: (http:\/\/127\.0\.0\.1:\d+\/fhir)/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
      });
      expect(await (await fetch(`${base}/metadata`)).json()).toMatchObject({ resourceType: "CapabilityStatement" });
      const config = (await (await fetch(`${base}/.well-known/smart-configuration`)).json()) as { token_endpoint_auth_methods_supported: string[] };
      expect(config.token_endpoint_auth_methods_supported).toEqual(["client_secret_basic"]);
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  });

  test("`human-connect sandbox-ehr` refuses a bad port", async () => {
    const err: string[] = [];
    expect(await runCli(["sandbox-ehr", "--port", "99999"], { stdout: () => {}, stderr: (t) => void err.push(t), env: {} })).toBe(1);
    expect(err.join("")).toContain("--port must be a port number");
  });
});
