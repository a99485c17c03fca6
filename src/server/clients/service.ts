// Client apps: ids and secrets are minted here, and secrets are encrypted with the master key before they are stored.
import type { Clock } from "../clock.ts";
import { SecretBox, constantTimeEqual, randomHex128, randomToken } from "../security/crypto.ts";
import type { ClientRecord, NewClient, Store } from "../store/types.ts";

/** Credentials of a client app, shown once at creation or rotation. */
export interface ClientCredentials {
  client_id: string;
  client_secret: string;
}

/** Creates clients and checks and rotates their secrets. */
export class ClientService {
  constructor(
    private readonly store: Store,
    private readonly secrets: SecretBox,
    private readonly clock: Clock,
  ) {}

  /** Creates a client app and returns its credentials (the only time the secret is shown). */
  async create(input: NewClient): Promise<ClientCredentials> {
    const clientId = randomHex128() + randomHex128().slice(0, 8);
    const clientSecret = randomToken(32);
    const client: ClientRecord = {
      clientId,
      name: input.name,
      primaryColor: input.primaryColor ?? null,
      logoUrl: input.logoUrl ?? null,
      allowedOrigins: input.allowedOrigins,
      permissions: { idTokens: input.permissions?.idTokens !== false, clientTokens: input.permissions?.clientTokens === true },
      disabled: false,
      redirectUrl: input.redirectUrl ?? null,
      createdAt: this.clock.now(),
    };
    await this.store.clients.insert(client, this.secrets.encrypt(clientSecret));
    return { client_id: clientId, client_secret: clientSecret };
  }

  /** True when `secret` is the client's current secret (constant-time compare). */
  async verifySecret(clientId: string, secret: string): Promise<boolean> {
    const current = await this.secretOf(clientId);
    return current !== undefined && constantTimeEqual(current, secret);
  }

  /** The client's current secret in clear, for signing and verifying invite links. */
  async secretOf(clientId: string): Promise<string | undefined> {
    const sealed = await this.store.clients.getSecret(clientId);
    return sealed === undefined ? undefined : this.secrets.decrypt(sealed);
  }

  /**
   * Replaces the client's secret and, in the same transaction, revokes its client tokens and Portal sessions; with
   * `revokeTokens`, also every session, id and refresh token it was issued. Invite links signed with the old secret
   * stop verifying. Returns the new credentials.
   */
  async rotateSecret(clientId: string, opts: { revokeTokens?: boolean } = {}): Promise<ClientCredentials | undefined> {
    const clientSecret = randomToken(32);
    return this.store.transaction(async (tx) => {
      if (!(await tx.clients.setSecret(clientId, this.secrets.encrypt(clientSecret), this.clock.now()))) return undefined;
      await tx.tokens.deleteOfClient(clientId, opts.revokeTokens ? undefined : ["client"]);
      await tx.portalSessions.deleteOfClient(clientId);
      return { client_id: clientId, client_secret: clientSecret };
    });
  }

  /** Fails fast when the master key is not the one the stored secrets were encrypted with. */
  async checkMasterKey(where: string): Promise<void> {
    const sealed = await this.store.clients.anySecret();
    if (sealed === undefined) return;
    try {
      this.secrets.decrypt(sealed);
    } catch {
      throw new Error(`the master key does not decrypt the client secrets in ${where}: use the HC_MASTER_KEY or master.key they were created with`);
    }
  }
}
