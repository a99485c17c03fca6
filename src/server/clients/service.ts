// Client apps: ids and secrets are minted here, and secrets are encrypted with the master key before they are stored.
import type { Clock } from "../clock.ts";
import { SecretBox, constantTimeEqual, randomHex128, randomToken } from "../security/crypto.ts";
import type { ClientRecord, NewClient, Store } from "../store/types.ts";

/** Credentials of a client app, shown once at creation or rotation. */
export interface ClientCredentials {
  client_id: string;
  client_secret: string;
}

/**
 * How long a client's record and secret are served from memory. Changes made through this process take effect at
 * once; changes made by another process (the CLI, another instance) within this time.
 */
export const CLIENT_CACHE_MS = 1000;
/** Most clients held in memory. */
const CLIENT_CACHE_SIZE = 10_000;

interface CachedClient {
  at: number;
  record: ClientRecord;
  secret: string;
}

/** Creates clients and checks and rotates their secrets. */
export class ClientService {
  // Every token request and Connect API call reads its client: two queries and a decryption each time, otherwise.
  private readonly cache = new Map<string, CachedClient>();

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

  /** The client, from memory when it was read less than CLIENT_CACHE_MS ago. */
  async get(clientId: string): Promise<ClientRecord | undefined> {
    return (await this.cached(clientId))?.record;
  }

  /** True when `secret` is the client's current secret (constant-time compare). */
  async verifySecret(clientId: string, secret: string): Promise<boolean> {
    const current = (await this.cached(clientId))?.secret;
    return current !== undefined && constantTimeEqual(current, secret);
  }

  /** Changes the client's settings. */
  async update(clientId: string, changes: Parameters<Store["clients"]["update"]>[1]): Promise<boolean> {
    try {
      return await this.store.clients.update(clientId, changes);
    } finally {
      this.cache.delete(clientId);
    }
  }

  /** Enables or disables the client. */
  async setDisabled(clientId: string, disabled: boolean): Promise<boolean> {
    try {
      return await this.store.clients.setDisabled(clientId, disabled);
    } finally {
      this.cache.delete(clientId);
    }
  }

  private async cached(clientId: string): Promise<CachedClient | undefined> {
    const now = this.clock.now();
    const hit = this.cache.get(clientId);
    if (hit && now - hit.at < CLIENT_CACHE_MS && now >= hit.at) return hit;
    const [record, sealed] = await Promise.all([this.store.clients.get(clientId), this.store.clients.getSecret(clientId)]);
    if (!record || sealed === undefined) {
      this.cache.delete(clientId);
      return undefined;
    }
    if (this.cache.size >= CLIENT_CACHE_SIZE) this.cache.clear();
    const entry = { at: now, record, secret: this.secrets.decrypt(sealed) };
    this.cache.set(clientId, entry);
    return entry;
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
    try {
      return await this.store.transaction(async (tx) => {
        if (!(await tx.clients.setSecret(clientId, this.secrets.encrypt(clientSecret), this.clock.now()))) return undefined;
        await tx.tokens.deleteOfClient(clientId, opts.revokeTokens ? undefined : ["client"]);
        await tx.portalSessions.deleteOfClient(clientId);
        return { client_id: clientId, client_secret: clientSecret };
      });
    } finally {
      // After the commit: a read made while it ran may have cached the old secret.
      this.cache.delete(clientId);
    }
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
