// Bearer tokens: minted here, stored only as SHA-256 hashes.
import type { Clock } from "../clock.ts";
import { hashToken, randomToken } from "../security/crypto.ts";
import type { StoreConcerns, TokenIssuedVia, TokenKind, TokenRecord } from "../store/types.ts";

/** What a new token is for. */
export interface NewToken {
  kind: TokenKind;
  clientId: string;
  humanId: string | null;
  ttlMs: number;
  prefix?: string;
  /** Recorded on the token; the Connect session read reports engagement through it. */
  issuedVia?: TokenIssuedVia;
}

/** Issues, finds and consumes tokens. */
export class TokenService {
  constructor(
    private readonly store: StoreConcerns,
    private readonly clock: Clock,
  ) {}

  /** Issues a new opaque token, in `tx` when given. */
  async issue(input: NewToken, tx: StoreConcerns = this.store): Promise<{ token: string; expiresAt: number }> {
    const token = randomToken(32, input.prefix ?? "");
    const now = this.clock.now();
    const expiresAt = now + input.ttlMs;
    await tx.tokens.insert(hashToken(token), {
      kind: input.kind,
      clientId: input.clientId,
      humanId: input.humanId,
      createdAt: now,
      expiresAt,
      usedAt: null,
      issuedVia: input.issuedVia ?? null,
    });
    return { token, expiresAt };
  }

  /** The stored token for a presented string, or undefined (expiry is the caller's check). */
  find(token: string): Promise<TokenRecord | undefined> {
    return this.store.tokens.find(hashToken(token));
  }

  /** Marks a single-use token used; true only for the one caller that got there first. */
  consume(token: string): Promise<boolean> {
    return this.store.tokens.consume(hashToken(token), this.clock.now());
  }
}
