/**
 * SMART discovery: `{fhir_base}/.well-known/smart-configuration` read under the outbound policy, checked, and kept for
 * a while so that each sign-in does not ask the EHR again. Failures are not kept: the next attempt asks again.
 */
import type { AuthorizationServer } from "oauth4webapi";
import * as v from "valibot";
import { SmartError } from "./errors.ts";
import { fetchFromEhr, OutboundFailure, type EhrNetworkPolicy } from "./outbound-fetch.ts";

/** Time allowed for the discovery request. */
export const DISCOVERY_TIMEOUT_MS = 5_000;
/** Largest discovery document accepted (real ones are a few KB). */
export const DISCOVERY_MAX_BYTES = 64 * 1024;
/** How long a discovered configuration is reused. */
export const DISCOVERY_CACHE_MS = 10 * 60_000;

const endpoint = v.pipe(
  v.string(),
  v.check((raw) => URL.canParse(raw) && ["https:", "http:"].includes(new URL(raw).protocol), "must be an absolute http(s) URL"),
);

const SmartConfiguration = v.looseObject({
  issuer: v.optional(v.string()),
  authorization_endpoint: endpoint,
  token_endpoint: endpoint,
  code_challenge_methods_supported: v.optional(v.array(v.string())),
  token_endpoint_auth_methods_supported: v.optional(v.array(v.string())),
  capabilities: v.optional(v.array(v.string())),
});

/** What the service needs of an EHR's SMART configuration. */
export interface SmartServer {
  /** The endpoints in the form oauth4webapi takes them. */
  authorizationServer: AuthorizationServer;
  capabilities: readonly string[];
}

/** Discovers and caches SMART configurations, per FHIR base URL. */
export class SmartDiscovery {
  private readonly cache = new Map<string, { server: SmartServer; until: number }>();

  constructor(
    private readonly policy: EhrNetworkPolicy,
    private readonly now: () => number,
    private readonly limits = { timeoutMs: DISCOVERY_TIMEOUT_MS, maxBytes: DISCOVERY_MAX_BYTES, cacheMs: DISCOVERY_CACHE_MS },
  ) {}

  /** The EHR's configuration, from the cache or asked now; a SmartError("EHR_DISCOVERY_FAILED") naming why not. */
  async discover(fhirBaseUrl: string): Promise<SmartServer> {
    const cached = this.cache.get(fhirBaseUrl);
    if (cached && cached.until > this.now()) return cached.server;
    const server = await this.fetchConfiguration(fhirBaseUrl);
    this.cache.set(fhirBaseUrl, { server, until: this.now() + this.limits.cacheMs });
    return server;
  }

  /** Forgets every cached configuration (a catalog import may have moved an EHR). */
  clear(): void {
    this.cache.clear();
  }

  private async fetchConfiguration(fhirBaseUrl: string): Promise<SmartServer> {
    const url = `${fhirBaseUrl}/.well-known/smart-configuration`;
    const fail = (why: string) => new SmartError("EHR_DISCOVERY_FAILED", `SMART discovery at ${url} failed: ${why}`);
    let response: Response;
    try {
      response = await fetchFromEhr(url, { method: "GET", headers: { accept: "application/json" }, timeoutMs: this.limits.timeoutMs, maxBytes: this.limits.maxBytes }, this.policy);
    } catch (err) {
      if (err instanceof OutboundFailure) {
        throw fail(err.kind === "too_large" ? `the document is larger than ${this.limits.maxBytes} bytes` : err.message);
      }
      throw err;
    }
    if (response.status !== 200) throw fail(`the EHR answered HTTP ${response.status}`);
    let document: unknown;
    try {
      document = JSON.parse(await response.text());
    } catch {
      throw fail("the answer is not JSON");
    }
    const parsed = v.safeParse(SmartConfiguration, document);
    if (!parsed.success) throw fail(`the document is not a SMART configuration ("${v.getDotPath(parsed.issues[0]) ?? "document"}" ${parsed.issues[0].message})`);
    const config = parsed.output;
    if (!config.code_challenge_methods_supported?.includes("S256")) throw fail("the EHR does not offer PKCE with S256");
    return {
      authorizationServer: {
        // oauth4webapi names the server by its issuer; SMART servers need not publish one, and the FHIR base is theirs.
        issuer: config.issuer ?? fhirBaseUrl,
        authorization_endpoint: config.authorization_endpoint,
        token_endpoint: config.token_endpoint,
        code_challenge_methods_supported: config.code_challenge_methods_supported,
      },
      capabilities: config.capabilities ?? [],
    };
  }
}
