// MFA challenges and OAuth attempts of sign-ins in progress. Their ids, states and codes are secrets handed to the
// browser: they are minted here and stored only hashed, so that a read of the database cannot finish a sign-in.
import type { Clock } from "../clock.ts";
import { constantTimeEqual, hashToken, randomToken, type SecretBox } from "../security/crypto.ts";
import type { MfaChallengeRecord, OAuthAttemptRecord, Store } from "../store/types.ts";

/** A new OAuth attempt, as the start of the round trip knows it. */
export interface NewOAuthAttempt {
  attemptId: string;
  humanId: string;
  sourceId: string;
  state: string;
  codeVerifier: string;
  codeChallenge: string;
  redirectUri: string;
  ttlMs: number;
  sessionId?: string | null;
  /** The page a sign-in by full-page redirect returns to; absent for the popup. */
  returnUrl?: string | null;
}

/** Sign-in attempts: MFA challenges and OAuth round trips, shared by every instance through the store. */
export class SignInAttempts {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    // Seals the return URL of a redirect sign-in: it can carry secrets of its own (an invite link's token).
    private readonly secrets?: SecretBox,
  ) {}

  /** Creates an MFA challenge; returns its opaque id. */
  async createMfaChallenge(humanId: string, sourceId: string, ttlMs: number): Promise<string> {
    const challengeId = randomToken(24, "mfa_");
    const now = this.clock.now();
    await this.store.mfa.insert(hashToken(challengeId), { humanId, sourceId, createdAt: now, expiresAt: now + ttlMs, failedAttempts: 0, usedAt: null });
    return challengeId;
  }

  getMfaChallenge(challengeId: string): Promise<MfaChallengeRecord | undefined> {
    return this.store.mfa.get(hashToken(challengeId));
  }

  /** Counts a wrong code; returns the new number of failures. */
  recordMfaFailure(challengeId: string): Promise<number> {
    return this.store.mfa.recordFailure(hashToken(challengeId));
  }

  /** Marks a challenge used; true only for the first caller. */
  consumeMfaChallenge(challengeId: string): Promise<boolean> {
    return this.store.mfa.consume(hashToken(challengeId), this.clock.now());
  }

  /** Stores a new OAuth attempt. */
  async createOAuthAttempt(input: NewOAuthAttempt): Promise<void> {
    const now = this.clock.now();
    await this.store.oauth.insert({
      attemptId: input.attemptId,
      humanId: input.humanId,
      sourceId: input.sourceId,
      stateHash: hashToken(input.state),
      codeVerifier: input.codeVerifier,
      codeChallenge: input.codeChallenge,
      redirectUri: input.redirectUri,
      sessionId: input.sessionId ?? null,
      returnUrl: input.returnUrl ? this.seal(input.returnUrl) : null,
      completionHash: null,
      completionExpiresAt: null,
      completionUsedAt: null,
      codeHash: null,
      codeExpiresAt: null,
      codeUsedAt: null,
      status: "pending",
      errorCode: null,
      errorMessage: null,
      createdAt: now,
      expiresAt: now + input.ttlMs,
    });
  }

  getOAuthAttempt(attemptId: string): Promise<OAuthAttemptRecord | undefined> {
    return this.store.oauth.get(attemptId);
  }

  findOAuthAttemptByState(state: string): Promise<OAuthAttemptRecord | undefined> {
    return this.store.oauth.findByState(hashToken(state));
  }

  findOAuthAttemptByCode(code: string): Promise<OAuthAttemptRecord | undefined> {
    return this.store.oauth.findByCode(hashToken(code));
  }

  /** Records the authorization code issued for a pending attempt. */
  setOAuthCode(attemptId: string, code: string, ttlMs: number): Promise<boolean> {
    return this.store.oauth.setCode(attemptId, hashToken(code), this.clock.now() + ttlMs);
  }

  /** Marks an authorization code used; true only for the first caller. */
  consumeOAuthCode(code: string): Promise<boolean> {
    return this.store.oauth.consumeCode(hashToken(code), this.clock.now());
  }

  /** The page a redirect sign-in returns to, unsealed; null for a popup attempt (or one the key cannot open). */
  returnUrlOf(attempt: OAuthAttemptRecord): string | null {
    if (attempt.returnUrl === null) return null;
    if (!this.secrets) return attempt.returnUrl;
    try {
      return this.secrets.decrypt(attempt.returnUrl);
    } catch {
      return null;
    }
  }

  /**
   * Mints the one-time completion secret of a redirect sign-in whose outcome is stored; only its hash is kept. Null
   * when the attempt already has one (a replayed callback).
   */
  async createOAuthCompletion(attemptId: string, ttlMs: number): Promise<string | null> {
    const secret = randomToken(32);
    return (await this.store.oauth.setCompletion(attemptId, hashToken(secret), this.clock.now() + ttlMs)) ? secret : null;
  }

  /**
   * Redeems a completion secret: "ok" for the first caller with the right secret before it expires, "used" when it
   * was redeemed already, "expired" when too late, "wrong" otherwise. The caller checks whose attempt it is first.
   */
  async redeemOAuthCompletion(attempt: OAuthAttemptRecord, secret: string): Promise<"ok" | "used" | "expired" | "wrong"> {
    const hash = hashToken(secret);
    if (attempt.completionHash === null || !constantTimeEqual(hash, attempt.completionHash)) return "wrong";
    if (attempt.completionUsedAt !== null) return "used";
    if (attempt.completionExpiresAt === null || attempt.completionExpiresAt <= this.clock.now()) return "expired";
    return (await this.store.oauth.consumeCompletion(attempt.attemptId, hash, this.clock.now())) ? "ok" : "used";
  }

  /** Ends a pending attempt as connected or failed. */
  finishOAuthAttempt(attemptId: string, outcome: Parameters<Store["oauth"]["finish"]>[1]): Promise<void> {
    return this.store.oauth.finish(attemptId, outcome);
  }

  private seal(value: string): string {
    return this.secrets ? this.secrets.encrypt(value) : value;
  }
}
