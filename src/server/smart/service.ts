// SMART on FHIR sources: their settings, the sign-in at the EHR, the tokens of each connection (encrypted, refreshed
// before they expire, rotated when the EHR rotates them) and the read-only FHIR reads made with them.
import type { ConnectionStatusReason } from "../../protocol/connect-api.ts";
import type { SourceRecord } from "../catalog/types.ts";
import type { Clock } from "../clock.ts";
import type { ConnectService } from "../connect/service.ts";
import type { SecretBox } from "../security/crypto.ts";
import type { SmartGrantRecord, Store } from "../store/types.ts";
import { SmartDiscovery } from "./discovery.ts";
import { SmartError } from "./errors.ts";
import { readPatient, readResource, type FhirAnswer } from "./fhir-read.ts";
import type { EhrNetworkPolicy } from "./outbound-fetch.ts";
import { authorizationUrl, exchangeCode, refreshTokens, type IssuedTokens, type SmartRegistration } from "./token-client.ts";

/** An access token is refreshed this long before the EHR said it expires. */
export const REFRESH_MARGIN_MS = 60_000;
/**
 * How long one instance may take to refresh a connection's tokens before another may (discovery and the token request
 * have 5 s and 10 s limits), and how often a waiting instance looks for the tokens it stored.
 */
export const REFRESH_LEASE_MS = 20_000;
const REFRESH_POLL_MS = 100;
/** Why a connection needs re-authorisation when its EHR refuses the refresh token. */
const REFUSED_REFRESH_REASON: ConnectionStatusReason = "token_expired";

const noTokens = (source: SourceRecord) =>
  new SmartError("CONNECTION_NEEDS_REAUTH", `The connection to ${source.name} has no tokens; the user must sign in again.`);

/** A SMART connection as the server API shows it. */
export interface SmartConnectionInfo {
  base_url: string;
  patient: string;
}

/** SMART on FHIR: settings, sign-in, tokens and reads. */
export class SmartService {
  readonly discovery: SmartDiscovery;
  /** One refresh at a time per connection in this process, so that a rotated refresh token is used once. */
  private readonly refreshing = new Map<string, Promise<SmartGrantRecord>>();

  constructor(
    private readonly store: Store,
    private readonly secrets: SecretBox,
    private readonly clock: Clock,
    private readonly connect: ConnectService,
    readonly policy: EhrNetworkPolicy,
  ) {
    this.discovery = new SmartDiscovery(policy, () => clock.now());
  }

  /** Stores imported catalog rows and the SMART settings of those that have them (secrets encrypted), in one transaction. */
  async importCatalog(sources: readonly SourceRecord[], now: number): Promise<void> {
    const rows = sources.flatMap((s) =>
      s.smart
        ? [{
            sourceId: s.id,
            fhirBaseUrl: s.smart.fhirBaseUrl,
            clientId: s.smart.clientId,
            clientSecretEncrypted: s.smart.clientSecret === null ? null : this.secrets.encrypt(s.smart.clientSecret),
            scopes: s.smart.scopes,
          }]
        : [],
    );
    await this.store.transaction(async (tx) => {
      await tx.sources.upsert(sources, now);
      await tx.smart.putSources(rows, now);
    });
    // An import may move an EHR: the next sign-in discovers it again.
    this.discovery.clear();
  }

  /** The EHR's authorize page for one sign-in attempt (discovering the EHR first). */
  async authorizationUrl(source: SourceRecord, request: { state: string; codeChallenge: string; redirectUri: string }): Promise<string> {
    const registration = await this.registrationOf(source);
    const server = await this.discovery.discover(registration.fhirBaseUrl);
    return authorizationUrl(server, registration, request);
  }

  /**
   * Ends a sign-in at the EHR: exchanges the code, confirms the tokens by reading the patient they were issued for,
   * and stores them encrypted for the human's connection (made or repaired by the caller right after).
   */
  async completeSignIn(humanId: string, source: SourceRecord, input: { code: string; codeVerifier: string; redirectUri: string }): Promise<void> {
    const registration = await this.registrationOf(source);
    const server = await this.discovery.discover(registration.fhirBaseUrl);
    const tokens = await exchangeCode(server, registration, this.policy, input);
    if (!tokens.patient) throw new SmartError("EHR_TOKEN_EXCHANGE_FAILED", "The EHR's token answer names no patient.");
    await readPatient(registration.fhirBaseUrl, tokens.patient, tokens.accessToken, this.policy);
    await this.store.smart.putGrant(this.sealed(humanId, source.id, tokens, tokens.patient, null));
  }

  /** The FHIR base and patient of each of the human's SMART connections, by source id. */
  async connectionInfo(humanId: string): Promise<Map<string, SmartConnectionInfo>> {
    const grants = await this.store.smart.listGrants(humanId);
    const info = new Map<string, SmartConnectionInfo>();
    for (const grant of grants) {
      const settings = await this.store.smart.getSource(grant.sourceId);
      if (settings) info.set(grant.sourceId, { base_url: settings.fhirBaseUrl, patient: grant.patient });
    }
    return info;
  }

  /** Forgets a connection's tokens (it was disconnected). */
  forget(humanId: string, sourceId: string): Promise<void> {
    return this.store.smart.deleteGrant(humanId, sourceId);
  }

  /**
   * A read-only FHIR GET of `path` (relative to the FHIR base, already checked) with the connection's access token.
   * The token is refreshed before it expires, and once more when the EHR says it is no longer valid; a refused refresh
   * token makes the connection `needs_reauth` (with its webhook) and throws SmartError("CONNECTION_NEEDS_REAUTH").
   */
  async read(humanId: string, source: SourceRecord, path: string, query: string): Promise<FhirAnswer> {
    const connection = await this.store.connections.get(humanId, source.id);
    if (connection?.status === "needs_reauth") throw new SmartError("CONNECTION_NEEDS_REAUTH", `The connection to ${source.name} needs the user to sign in again.`);
    const registration = await this.registrationOf(source);
    let grant = await this.store.smart.getGrant(humanId, source.id);
    if (!grant) throw noTokens(source);
    if (grant.expiresAt !== null && grant.expiresAt - REFRESH_MARGIN_MS <= this.clock.now()) {
      grant = await this.refreshed(humanId, source, registration, grant);
    }
    let answer = await readResource(registration.fhirBaseUrl, path, query, this.secrets.decrypt(grant.accessTokenEncrypted), this.policy);
    if (answer.status === 401 && answer.invalidToken && grant.refreshTokenEncrypted !== null) {
      grant = await this.refreshed(humanId, source, registration, grant);
      answer = await readResource(registration.fhirBaseUrl, path, query, this.secrets.decrypt(grant.accessTokenEncrypted), this.policy);
    }
    return answer;
  }

  /** The grant after one refresh; concurrent reads of the same connection share it. */
  private refreshed(humanId: string, source: SourceRecord, registration: SmartRegistration, grant: SmartGrantRecord): Promise<SmartGrantRecord> {
    const key = `${humanId}\u0000${source.id}`;
    const running = this.refreshing.get(key);
    if (running) return running;
    const next = this.refresh(humanId, source, registration, grant).finally(() => this.refreshing.delete(key));
    this.refreshing.set(key, next);
    return next;
  }

  /**
   * One refresh across every instance on the database: the instance that takes the connection's refresh lease uses
   * the refresh token, the others wait for the tokens it stores. An EHR that rotates refresh tokens refuses a second
   * use of one, so two instances refreshing together would otherwise end with one of them told `invalid_grant`.
   */
  private async refresh(humanId: string, source: SourceRecord, registration: SmartRegistration, grant: SmartGrantRecord): Promise<SmartGrantRecord> {
    if (!(await this.claimLease(humanId, source.id, grant))) return this.refreshedElsewhere(humanId, source, registration, grant);
    return this.refreshHolding(humanId, source, registration, grant);
  }

  private claimLease(humanId: string, sourceId: string, grant: SmartGrantRecord): Promise<boolean> {
    const now = this.clock.now();
    return this.store.smart.claimRefresh(humanId, sourceId, grant.accessTokenEncrypted, now + REFRESH_LEASE_MS, now);
  }

  /** Refreshes with the lease held; a refresh that stores nothing gives the lease back for the next instance. */
  private async refreshHolding(humanId: string, source: SourceRecord, registration: SmartRegistration, grant: SmartGrantRecord): Promise<SmartGrantRecord> {
    try {
      return await this.useRefreshToken(humanId, source, registration, grant);
    } catch (err) {
      await this.store.smart.releaseRefresh(humanId, source.id, grant.accessTokenEncrypted).catch(() => undefined);
      throw err;
    }
  }

  /** The tokens another instance's refresh stores; when its lease ends with nothing stored, this instance refreshes. */
  private async refreshedElsewhere(humanId: string, source: SourceRecord, registration: SmartRegistration, grant: SmartGrantRecord): Promise<SmartGrantRecord> {
    const deadline = Date.now() + REFRESH_LEASE_MS + REFRESH_POLL_MS;
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, REFRESH_POLL_MS));
      const current = await this.store.smart.getGrant(humanId, source.id);
      if (!current) throw noTokens(source);
      if (current.accessTokenEncrypted !== grant.accessTokenEncrypted) return current;
      // The other instance gave up or died: the refresh is this one's now.
      if (await this.claimLease(humanId, source.id, grant)) return this.refreshHolding(humanId, source, registration, current);
      if (Date.now() > deadline) return this.useRefreshToken(humanId, source, registration, current);
    }
  }

  private async useRefreshToken(humanId: string, source: SourceRecord, registration: SmartRegistration, grant: SmartGrantRecord): Promise<SmartGrantRecord> {
    if (grant.refreshTokenEncrypted === null) return this.needsReauth(humanId, source, "The EHR issued no refresh token and the access token expired.");
    const server = await this.discovery.discover(registration.fhirBaseUrl).catch((err: unknown) => {
      throw err instanceof SmartError ? new SmartError("EHR_UNAVAILABLE", err.message) : err;
    });
    let tokens: IssuedTokens;
    try {
      tokens = await refreshTokens(server, registration, this.policy, this.secrets.decrypt(grant.refreshTokenEncrypted));
    } catch (err) {
      if (err instanceof SmartError && err.code === "CONNECTION_NEEDS_REAUTH") {
        // A refresh made by an instance whose lease ran out may have used this refresh token first: that is no refusal.
        const current = await this.store.smart.getGrant(humanId, source.id);
        if (current && current.accessTokenEncrypted !== grant.accessTokenEncrypted) return current;
        return this.needsReauth(humanId, source, err.message);
      }
      throw err;
    }
    // An EHR that does not rotate its refresh tokens sends none back: the one held stays valid.
    const next = this.sealed(humanId, source.id, tokens, grant.patient, grant.refreshTokenEncrypted);
    if (await this.store.smart.replaceTokens(grant.accessTokenEncrypted, next)) return next;
    // Another instance refreshed first; its tokens are the ones the EHR now honours.
    const current = await this.store.smart.getGrant(humanId, source.id);
    if (!current) throw noTokens(source);
    return current;
  }

  private async needsReauth(humanId: string, source: SourceRecord, why: string): Promise<never> {
    await this.connect.setHealth(humanId, source.id, "needs_reauth", REFUSED_REFRESH_REASON);
    throw new SmartError("CONNECTION_NEEDS_REAUTH", `${why} The user must sign in to ${source.name} again.`);
  }

  private sealed(humanId: string, sourceId: string, tokens: IssuedTokens, patient: string, previousRefresh: string | null): SmartGrantRecord {
    const now = this.clock.now();
    return {
      humanId,
      sourceId,
      accessTokenEncrypted: this.secrets.encrypt(tokens.accessToken),
      refreshTokenEncrypted: tokens.refreshToken === null ? previousRefresh : this.secrets.encrypt(tokens.refreshToken),
      expiresAt: tokens.expiresIn === null ? null : now + tokens.expiresIn * 1000,
      patient,
      scope: tokens.scope,
      updatedAt: now,
    };
  }

  private async registrationOf(source: SourceRecord): Promise<SmartRegistration> {
    const settings = source.auth === "smart" ? await this.store.smart.getSource(source.id) : undefined;
    if (!settings) throw new SmartError("EHR_DISCOVERY_FAILED", `${source.name} has no SMART on FHIR settings in the catalog.`);
    return {
      fhirBaseUrl: settings.fhirBaseUrl,
      clientId: settings.clientId,
      clientSecret: settings.clientSecretEncrypted === null ? null : this.secrets.decrypt(settings.clientSecretEncrypted),
      scopes: settings.scopes,
    };
  }
}
