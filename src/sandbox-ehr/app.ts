// The sandbox EHR: a SMART on FHIR server of its own, on its own origin, to connect to offline. Discovery, a
// CapabilityStatement, a patient portal sign-in page, a token endpoint (authorization code with PKCE S256, refresh
// with rotation), read-only FHIR R4 of a few test patients, and fault switches for tests.
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { timingSafeEqual, createHash } from "node:crypto";
import type { CapabilityStatement, OperationOutcome } from "fhir/r4";
import { resourcesOf, SEARCHABLE_TYPES, searchBundle, TEST_PATIENTS, type SearchableType } from "./fixtures.ts";
import { SandboxGrants, type SandboxFaults, type TokenAnswer } from "./grants.ts";
import { refusedPage, signInPage } from "./pages.ts";

/** Where the sandbox EHR's FHIR API lives, under its origin. */
export const FHIR_PATH = "/fhir";
const AUTHORIZE_PATH = "/oauth/authorize";
const TOKEN_PATH = "/oauth/token";
const FHIR_JSON = "application/fhir+json";
const AUTHORIZE_FIELDS = ["response_type", "client_id", "redirect_uri", "scope", "state", "aud", "code_challenge", "code_challenge_method"] as const;

/** How the sandbox EHR runs. */
export interface SandboxEhrOptions {
  /** When set, the token endpoint requires this secret (client_secret_basic) from every client. */
  clientSecret?: string | undefined;
}

const sameSecret = (a: string, b: string) => timingSafeEqual(createHash("sha256").update(a).digest(), createHash("sha256").update(b).digest());

function outcome(severity: "error", code: OperationOutcome["issue"][number]["code"], text: string): OperationOutcome {
  return { resourceType: "OperationOutcome", issue: [{ severity, code, diagnostics: text }] };
}

function fhir(c: Context, status: 200 | 401 | 403 | 404 | 400, body: unknown): Response {
  c.header("Cache-Control", "no-store");
  return c.body(JSON.stringify(body), status, { "Content-Type": `${FHIR_JSON}; charset=utf-8` });
}

/** Builds the sandbox EHR's HTTP app; `grants` holds what it issued (tests may pass their own). */
export function sandboxEhrApp(options: SandboxEhrOptions = {}, grants = new SandboxGrants()): Hono {
  const app = new Hono();
  app.use(bodyLimit({ maxSize: 16 * 1024 }));
  const originOf = (c: Context) => new URL(c.req.url).origin;
  const fhirBaseOf = (c: Context) => originOf(c) + FHIR_PATH;

  app.get(`${FHIR_PATH}/.well-known/smart-configuration`, (c) => {
    const origin = originOf(c);
    c.header("Cache-Control", "no-store");
    return c.json({
      issuer: origin + FHIR_PATH,
      authorization_endpoint: origin + AUTHORIZE_PATH,
      token_endpoint: origin + TOKEN_PATH,
      token_endpoint_auth_methods_supported: options.clientSecret ? ["client_secret_basic"] : ["none", "client_secret_basic"],
      grant_types_supported: ["authorization_code", "refresh_token"],
      scopes_supported: ["launch/patient", "openid", "fhirUser", "offline_access", "patient/*.rs", "patient/*.read"],
      response_types_supported: ["code"],
      code_challenge_methods_supported: ["S256"],
      capabilities: ["launch-standalone", "client-public", "client-confidential-symmetric", "context-standalone-patient", "permission-offline", "permission-patient"],
    });
  });

  app.get(`${FHIR_PATH}/metadata`, (c) => {
    const origin = originOf(c);
    const statement: CapabilityStatement = {
      resourceType: "CapabilityStatement",
      status: "active",
      date: "2026-12-01",
      kind: "instance",
      fhirVersion: "4.0.1",
      format: ["json"],
      implementation: { description: "Human Connect sandbox EHR", url: origin + FHIR_PATH },
      rest: [
        {
          mode: "server",
          security: {
            service: [{ coding: [{ system: "http://terminology.hl7.org/CodeSystem/restful-security-service", code: "SMART-on-FHIR" }] }],
            extension: [
              {
                url: "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
                extension: [
                  { url: "authorize", valueUri: origin + AUTHORIZE_PATH },
                  { url: "token", valueUri: origin + TOKEN_PATH },
                ],
              },
            ],
          },
          resource: [
            { type: "Patient", interaction: [{ code: "read" }] },
            ...SEARCHABLE_TYPES.map((type) => ({ type, interaction: [{ code: "search-type" as const }], searchParam: [{ name: "patient", type: "reference" as const }] })),
          ],
        },
      ],
    };
    return fhir(c, 200, statement);
  });

  /** The authorization request's parameters, or why it is refused. */
  function checkAuthorizeRequest(c: Context, params: Record<string, unknown>): Record<string, string> | string {
    const values: Record<string, string> = {};
    for (const name of AUTHORIZE_FIELDS) {
      const value = params[name];
      if (typeof value !== "string" || value === "" || value.length > 2048) return `The "${name}" parameter is missing.`;
      values[name] = value;
    }
    if (values.response_type !== "code") return 'The "response_type" must be "code".';
    if (values.code_challenge_method !== "S256" || !/^[A-Za-z0-9_-]{43}$/.test(values.code_challenge!)) return "This EHR requires PKCE with S256.";
    if (values.aud !== fhirBaseOf(c)) return `The "aud" parameter must be this FHIR server, ${fhirBaseOf(c)}.`;
    if (!URL.canParse(values.redirect_uri!) || !["http:", "https:"].includes(new URL(values.redirect_uri!).protocol)) return 'The "redirect_uri" must be an absolute http(s) URL.';
    return values;
  }

  app.get(AUTHORIZE_PATH, (c) => {
    const checked = checkAuthorizeRequest(c, c.req.query());
    if (typeof checked === "string") return refusedPage(c, checked);
    return signInPage(c, checked, checked.scope!);
  });

  app.post(AUTHORIZE_PATH, async (c) => {
    const form = await c.req.parseBody();
    const checked = checkAuthorizeRequest(c, form);
    if (typeof checked === "string") return refusedPage(c, checked);
    const back = new URL(checked.redirect_uri!);
    if (form.decision === "deny") {
      back.searchParams.set("error", "access_denied");
      back.searchParams.set("state", checked.state!);
      return c.redirect(back.href, 303);
    }
    const account = TEST_PATIENTS.find((p) => p.username === form.username && p.password === form.password);
    if (!account) return signInPage(c, checked, checked.scope!, "The username or password is not correct.");
    const code = grants.issueCode({
      clientId: checked.client_id!,
      redirectUri: checked.redirect_uri!,
      codeChallenge: checked.code_challenge!,
      scope: checked.scope!,
      patientId: account.patient.id,
    });
    back.searchParams.set("code", code);
    back.searchParams.set("state", checked.state!);
    c.header("Referrer-Policy", "no-referrer");
    return c.redirect(back.href, 303);
  });

  app.post(TOKEN_PATH, async (c) => {
    c.header("Cache-Control", "no-store");
    const oauthError = (status: 400 | 401, error: string, description: string) => c.json({ error, error_description: description }, status);
    const form = await c.req.parseBody();
    const field = (name: string) => (typeof form[name] === "string" ? (form[name] as string) : "");
    let clientId = field("client_id");
    const basic = /^Basic\s+(.+)$/i.exec(c.req.header("authorization") ?? "");
    if (basic) {
      const decoded = Buffer.from(basic[1]!, "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      const formDecode = (s: string) => decodeURIComponent(s.replace(/\+/g, " "));
      clientId = formDecode(decoded.slice(0, colon));
      const secret = formDecode(decoded.slice(colon + 1));
      if (colon < 0 || (options.clientSecret !== undefined && !sameSecret(secret, options.clientSecret))) {
        return oauthError(401, "invalid_client", "The client secret is wrong.");
      }
    } else if (options.clientSecret !== undefined) {
      return oauthError(401, "invalid_client", "This EHR requires client_secret_basic.");
    }
    if (!clientId) return oauthError(400, "invalid_request", "The client_id is missing.");
    let answer: TokenAnswer | string;
    const grantType = field("grant_type");
    if (grantType === "authorization_code") {
      answer = grants.redeemCode(field("code"), clientId, field("redirect_uri"), field("code_verifier"));
    } else if (grantType === "refresh_token") {
      grants.refreshRequests++;
      const late = grants.faults.slow_refresh_ms;
      if (late) await new Promise((resolve) => setTimeout(resolve, late));
      if (grants.faults.refresh === "invalid_grant") return oauthError(400, "invalid_grant", "The refresh token was revoked.");
      answer = grants.redeemRefresh(field("refresh_token"), clientId);
    } else {
      return oauthError(400, "unsupported_grant_type", 'The grant_type must be "authorization_code" or "refresh_token".');
    }
    if (typeof answer === "string") return oauthError(400, "invalid_grant", answer);
    return c.json(answer);
  });

  /** The patient a request's bearer token reads, or the FHIR answer refusing it. */
  function authorize(c: Context, resourceType: string): { patientId: string } | Response {
    const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "");
    const grant = bearer ? grants.accessGrant(bearer[1]!) : undefined;
    if (grant === undefined || grant === "expired") {
      const why = grant === "expired" ? "The access token expired." : "No valid access token was sent.";
      c.header("WWW-Authenticate", `Bearer realm="${FHIR_PATH}", error="invalid_token", error_description="${why}"`);
      return fhir(c, 401, outcome("error", "login", why));
    }
    if (grants.faults.forbid?.includes(resourceType)) {
      return fhir(c, 403, outcome("error", "forbidden", `This app may not read ${resourceType} resources.`));
    }
    return { patientId: grant.patientId };
  }

  app.get(`${FHIR_PATH}/Patient/:id`, (c) => {
    const allowed = authorize(c, "Patient");
    if (allowed instanceof Response) return allowed;
    if (c.req.param("id") !== allowed.patientId) return fhir(c, 403, outcome("error", "forbidden", "This token reads another patient."));
    const account = TEST_PATIENTS.find((p) => p.patient.id === allowed.patientId)!;
    return fhir(c, 200, account.patient);
  });

  app.get(`${FHIR_PATH}/:type`, (c) => {
    const type = c.req.param("type");
    if (!(SEARCHABLE_TYPES as readonly string[]).includes(type)) return fhir(c, 404, outcome("error", "not-supported", `This server does not search ${type}.`));
    const allowed = authorize(c, type);
    if (allowed instanceof Response) return allowed;
    const asked = (c.req.query("patient") ?? "").replace(/^Patient\//, "");
    if (!asked) return fhir(c, 400, outcome("error", "required", 'The "patient" search parameter is required.'));
    if (asked !== allowed.patientId) return fhir(c, 403, outcome("error", "forbidden", "This token reads another patient."));
    const account = TEST_PATIENTS.find((p) => p.patient.id === allowed.patientId)!;
    return fhir(c, 200, searchBundle(fhirBaseOf(c), c.req.url, resourcesOf(account, type as SearchableType)));
  });

  app.post("/_sandbox/faults", async (c) => {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return c.json({ error: "The body must be JSON." }, 400);
    }
    const faults = readFaults(body);
    if (typeof faults === "string") return c.json({ error: faults }, 400);
    grants.setFaults(faults);
    return c.json({ faults: grants.faults });
  });

  app.get("/_sandbox/tokens", (c) => c.json({ issued: grants.issued, refresh_requests: grants.refreshRequests }));

  app.notFound((c) => fhir(c, 404, outcome("error", "not-found", "Nothing here.")));
  return app;
}

function readFaults(body: unknown): SandboxFaults | string {
  if (!body || typeof body !== "object" || Array.isArray(body)) return "The body must be an object.";
  const { access, refresh, forbid, slow_refresh_ms: slow, ...rest } = body as Record<string, unknown>;
  if (Object.keys(rest).length > 0) return `Unknown fault(s): ${Object.keys(rest).join(", ")}.`;
  const faults: SandboxFaults = {};
  if (access !== undefined) {
    if (access !== "expired") return '"access" must be "expired".';
    faults.access = "expired";
  }
  if (refresh !== undefined) {
    if (refresh !== "invalid_grant") return '"refresh" must be "invalid_grant".';
    faults.refresh = "invalid_grant";
  }
  if (forbid !== undefined) {
    if (!Array.isArray(forbid) || !forbid.every((t) => typeof t === "string" && /^[A-Z][A-Za-z]{1,63}$/.test(t))) return '"forbid" must be a list of resource types.';
    faults.forbid = forbid as string[];
  }
  if (slow !== undefined) {
    if (typeof slow !== "number" || !Number.isInteger(slow) || slow < 0 || slow > 10_000) return '"slow_refresh_ms" must be a whole number from 0 to 10000.';
    faults.slow_refresh_ms = slow;
  }
  return faults;
}
