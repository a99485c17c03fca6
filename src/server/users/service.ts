// End users of client apps and their onboarding status (seed 000): created, invited, engaged, connected.
import type { Clock } from "../clock.ts";
import { randomHex128 } from "../security/crypto.ts";
import type { HumanRecord, HumanStatus, HumanSummary, Store, StoreConcerns } from "../store/types.ts";
import type { TokenService } from "../tokens/service.ts";
import type { EventQueue } from "../webhooks/event-queue.ts";

/** A user's status: connected while they have a source, else engaged once they launched Connect, else invited. */
export function humanStatus(human: HumanRecord, connections: number): HumanStatus {
  if (connections > 0) return "connected";
  if (human.engagedAt !== null) return "engaged";
  return human.invitedAt !== null ? "invited" : "created";
}

/** Creates users, starts their sessions and records invitations and engagement. */
export class UserService {
  constructor(
    private readonly store: Store,
    private readonly tokens: TokenService,
    private readonly events: EventQueue,
    private readonly clock: Clock,
  ) {}

  /** The human for (client, client_user_id), created on first sight; the email is updated when given. */
  upsert(clientId: string, clientUserId: string, email: string | null, tx: StoreConcerns = this.store): Promise<HumanRecord> {
    return tx.humans.upsert({
      humanId: randomHex128(),
      clientId,
      clientUserId,
      email,
      createdAt: this.clock.now(),
      invitedAt: null,
      engagedAt: null,
      connectedAt: null,
    });
  }

  /**
   * Seed 001's session step in one transaction: a new session token for the human, created on first sight, unless the
   * human has ever connected a source (then `undefined`: the session window is over for good and id tokens take over).
   */
  startSession(clientId: string, clientUserId: string, email: string, ttlMs: number): Promise<{ human: HumanRecord; token: string } | undefined> {
    return this.store.transaction(async (tx) => {
      const existing = await tx.humans.find(clientId, clientUserId);
      if (existing && existing.connectedAt !== null) return undefined;
      const human = await this.upsert(clientId, clientUserId, email, tx);
      const { token } = await this.tokens.issue({ kind: "session", clientId, humanId: human.humanId, ttlMs }, tx);
      return { human, token };
    });
  }

  /**
   * Records the first time a human engaged (launched Connect, from an invite link or embedded) and queues
   * `user.engaged` then; later calls keep the first time and queue nothing.
   */
  async markEngaged(human: HumanRecord, via: "invite_link" | "connect"): Promise<void> {
    if (human.engagedAt !== null) return;
    await this.events.transaction(async (tx, queue) => {
      if (!(await tx.humans.markFirst(human.humanId, "engagedAt", this.clock.now()))) return;
      await queue(human.clientId, "user.engaged", { client_user_id: human.clientUserId, human_id: human.humanId, via });
    });
  }

  /**
   * Records that an invite link or email was made for (client, client_user_id): creates the human when new, keeps
   * the latest email, sets `invited_at` the first time, and queues `user.invited` (every invitation is an event).
   */
  async markInvited(input: { clientId: string; clientUserId: string; email: string; via: "link" | "email"; expiresAt: string }): Promise<HumanRecord> {
    return this.events.transaction(async (tx, queue) => {
      const human = await this.upsert(input.clientId, input.clientUserId, input.email, tx);
      await tx.humans.markFirst(human.humanId, "invitedAt", this.clock.now());
      await queue(input.clientId, "user.invited", {
        client_user_id: input.clientUserId,
        email: input.email,
        via: input.via,
        expires_at: input.expiresAt,
      });
      return (await tx.humans.get(human.humanId)) ?? human;
    });
  }

  /** A client's users with their status, newest first, optionally only those in one status. */
  async list(
    clientId: string,
    opts: { status?: Exclude<HumanStatus, "created"> | undefined; limit: number; offset: number },
  ): Promise<{ total: number; users: HumanSummary[] }> {
    const { total, users } = await this.store.humans.list(clientId, opts);
    return { total, users: users.map((u) => ({ ...u, status: humanStatus(u, u.connections) })) };
  }
}
