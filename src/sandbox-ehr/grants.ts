// What the sandbox EHR issued: authorization codes, access and refresh tokens, all in memory, and the fault switches.
import { createHash, randomBytes } from "node:crypto";

/** How long an authorization code and an access token live. */
export const CODE_TTL_MS = 60_000;
export const ACCESS_TTL_S = 3600;

/**
 * Faults a test switches on: expire the access tokens issued so far, refuse refresh tokens, forbid resource types,
 * answer refreshes late.
 */
export interface SandboxFaults {
  access?: "expired";
  refresh?: "invalid_grant";
  forbid?: string[];
  /** Answers each refresh this many milliseconds late, so that a test can make refreshes overlap. */
  slow_refresh_ms?: number;
}

interface PendingCode {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  scope: string;
  patientId: string;
  expiresAt: number;
}

/** An access token's grant. */
export interface AccessGrant {
  clientId: string;
  patientId: string;
  scope: string;
  expiresAt: number;
  expired: boolean;
}

interface RefreshGrant {
  clientId: string;
  patientId: string;
  scope: string;
}

/** A token answer of the token endpoint. */
export interface TokenAnswer {
  access_token: string;
  token_type: "Bearer";
  expires_in: number;
  scope: string;
  refresh_token: string;
  patient: string;
}

const newSecret = (prefix: string) => prefix + randomBytes(24).toString("base64url");

/** The sandbox EHR's memory. */
export class SandboxGrants {
  faults: SandboxFaults = {};
  private readonly codes = new Map<string, PendingCode>();
  private readonly access = new Map<string, AccessGrant>();
  private readonly refresh = new Map<string, RefreshGrant>();
  /** Every access and refresh token issued, in order. */
  readonly issued: string[] = [];
  /** Refresh requests received, answered or refused. */
  refreshRequests = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Sets the faults; `access: "expired"` expires every access token issued so far (new ones work). */
  setFaults(faults: SandboxFaults): void {
    this.faults = faults;
    if (faults.access === "expired") for (const grant of this.access.values()) grant.expired = true;
  }

  issueCode(pending: Omit<PendingCode, "expiresAt">): string {
    const code = newSecret("ehrcode_");
    this.codes.set(code, { ...pending, expiresAt: this.now() + CODE_TTL_MS });
    return code;
  }

  /** Redeems a code once: it must be unexpired, for this client and redirect URI, and the verifier must hash to its challenge. */
  redeemCode(code: string, clientId: string, redirectUri: string, codeVerifier: string): TokenAnswer | string {
    const pending = this.codes.get(code);
    this.codes.delete(code);
    if (!pending || pending.expiresAt <= this.now()) return "The authorization code is unknown, used or expired.";
    if (pending.clientId !== clientId) return "The authorization code was issued to another client.";
    if (pending.redirectUri !== redirectUri) return "The redirect_uri does not match the authorization request.";
    if (createHash("sha256").update(codeVerifier, "ascii").digest("base64url") !== pending.codeChallenge) return "The code_verifier does not match the code_challenge.";
    return this.issueTokens({ clientId, patientId: pending.patientId, scope: pending.scope });
  }

  /** Rotates a refresh token: the old one stops working, a new pair is issued. */
  redeemRefresh(refreshToken: string, clientId: string): TokenAnswer | string {
    const grant = this.refresh.get(refreshToken);
    if (!grant || grant.clientId !== clientId) return "The refresh token is unknown or was already used.";
    this.refresh.delete(refreshToken);
    return this.issueTokens(grant);
  }

  /** The grant of a usable access token, "expired", or undefined for an unknown one. */
  accessGrant(token: string): AccessGrant | "expired" | undefined {
    const grant = this.access.get(token);
    if (!grant) return undefined;
    return grant.expired || grant.expiresAt <= this.now() ? "expired" : grant;
  }

  private issueTokens(grant: RefreshGrant): TokenAnswer {
    const accessToken = newSecret("ehrat_");
    const refreshToken = newSecret("ehrrt_");
    this.access.set(accessToken, { ...grant, expiresAt: this.now() + ACCESS_TTL_S * 1000, expired: false });
    this.refresh.set(refreshToken, grant);
    this.issued.push(accessToken, refreshToken);
    return { access_token: accessToken, token_type: "Bearer", expires_in: ACCESS_TTL_S, scope: grant.scope, refresh_token: refreshToken, patient: grant.patientId };
  }
}
