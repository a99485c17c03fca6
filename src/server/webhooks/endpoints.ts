// A client's webhook endpoint and the worker's view of the outbox: `whsec_` secrets are minted and encrypted here,
// and decrypted only for the worker that signs a delivery.
import type { Clock } from "../clock.ts";
import { randomToken, type SecretBox } from "../security/crypto.ts";
import type { Store, WebhookEndpointRecord } from "../store/types.ts";
import type { AttemptInfo, OutboxRow, WebhookOutboxStore } from "./outbox-worker.ts";
import { generateWebhookSecret } from "./signature.ts";

/** Sets and shows clients' webhook endpoints. */
export class WebhookEndpoints {
  constructor(
    private readonly store: Store,
    private readonly secrets: SecretBox,
    private readonly clock: Clock,
  ) {}

  /**
   * Sets the client's endpoint URL and enables it. A new endpoint, or `rotateSecret`, gets a fresh `whsec_` secret,
   * returned here once; otherwise the secret stays and `secret` is null.
   */
  set(clientId: string, url: string, rotateSecret = false): Promise<{ endpoint: WebhookEndpointRecord; secret: string | null }> {
    const now = this.clock.now();
    return this.store.transaction(async (tx) => {
      const existing = await tx.webhooks.getEndpoint(clientId);
      const secret = !existing || rotateSecret ? generateWebhookSecret() : null;
      const sealed = secret === null ? null : this.secrets.encrypt(secret);
      if (existing) {
        await tx.webhooks.updateEndpoint(existing.endpointId, url, sealed, now);
      } else {
        const endpoint = { endpointId: randomToken(12, "ep_"), url, enabled: true, disabledReason: null, createdAt: now, updatedAt: now };
        await tx.webhooks.insertEndpoint(clientId, endpoint, sealed!);
      }
      const endpoint = await tx.webhooks.getEndpoint(clientId);
      if (!endpoint) throw new Error("webhook endpoint vanished after it was set");
      return { endpoint, secret };
    });
  }
}

/** The outbox as the delivery worker sees it, with each endpoint's secret decrypted for signing. */
export function workerOutbox(store: Store, secrets: SecretBox): WebhookOutboxStore {
  const { webhooks } = store;
  return {
    async claimDue(now, limit, leaseMs): Promise<OutboxRow[]> {
      const rows = await webhooks.claimDue(now, limit, leaseMs);
      return rows.map(({ secretEncrypted, ...row }) => ({ ...row, secret: secrets.decrypt(secretEncrypted) }));
    },
    markDelivered: (id: string, attempt: AttemptInfo) => webhooks.recordAttempt(id, attempt, "delivered", null),
    markRetry: (id, nextAt, attempt) => webhooks.recordAttempt(id, attempt, "pending", nextAt),
    markFailed: (id, attempt) => webhooks.recordAttempt(id, attempt, "failed", null),
    disableEndpoint: (endpointId, reason) => webhooks.disableEndpoint(endpointId, reason),
  };
}
