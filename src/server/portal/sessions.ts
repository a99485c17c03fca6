// Portal sign-in sessions: the cookie value is stored only hashed, beside its CSRF token.
import type { Clock } from "../clock.ts";
import { hashToken, randomToken } from "../security/crypto.ts";
import type { PortalSessionRecord, Store } from "../store/types.ts";

/** Starts, finds and ends Portal sessions. */
export class PortalSessions {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** Starts a Portal session; returns the cookie value and its CSRF token. */
  async create(clientId: string, ttlMs: number): Promise<{ sessionId: string; csrfToken: string; expiresAt: number }> {
    const sessionId = randomToken(32);
    const csrfToken = randomToken(24);
    const now = this.clock.now();
    await this.store.portalSessions.insert(hashToken(sessionId), { clientId, csrfToken, createdAt: now, expiresAt: now + ttlMs });
    return { sessionId, csrfToken, expiresAt: now + ttlMs };
  }

  /** The session of a cookie value, or undefined (expiry is the caller's check). */
  get(sessionId: string): Promise<PortalSessionRecord | undefined> {
    return this.store.portalSessions.get(hashToken(sessionId));
  }

  /** Ends a session. */
  delete(sessionId: string): Promise<void> {
    return this.store.portalSessions.delete(hashToken(sessionId));
  }
}
