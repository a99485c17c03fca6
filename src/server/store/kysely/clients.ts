import type { ClientChanges, ClientRecord, ClientStore } from "../types.ts";
import type { ClientsTable } from "../schema.ts";
import { changed, type Db } from "./db.ts";

function toClient(row: ClientsTable): ClientRecord {
  return {
    clientId: row.client_id,
    name: row.name,
    primaryColor: row.primary_color,
    logoUrl: row.logo_url,
    allowedOrigins: JSON.parse(row.allowed_origins) as string[],
    permissions: { idTokens: row.perm_id_tokens === 1, clientTokens: row.perm_client_tokens === 1 },
    disabled: row.disabled === 1,
    redirectUrl: row.redirect_url,
    createdAt: row.created_at,
  };
}

/** Client apps in SQL. */
export function clientStore(db: Db): ClientStore {
  const get = async (clientId: string) => {
    const row = await db.selectFrom("clients").selectAll().where("client_id", "=", clientId).executeTakeFirst();
    return row ? toClient(row) : undefined;
  };
  return {
    async insert(c, secretEncrypted) {
      await db
        .insertInto("clients")
        .values({
          client_id: c.clientId,
          secret_encrypted: secretEncrypted,
          name: c.name,
          primary_color: c.primaryColor,
          logo_url: c.logoUrl,
          allowed_origins: JSON.stringify(c.allowedOrigins),
          perm_id_tokens: c.permissions.idTokens ? 1 : 0,
          perm_client_tokens: c.permissions.clientTokens ? 1 : 0,
          disabled: c.disabled ? 1 : 0,
          redirect_url: c.redirectUrl,
          created_at: c.createdAt,
          secret_rotated_at: c.createdAt,
        })
        .execute();
    },
    get,
    async list() {
      const rows = await db.selectFrom("clients").selectAll().orderBy("created_at").orderBy("client_id").execute();
      return rows.map(toClient);
    },
    async getSecret(clientId) {
      const row = await db.selectFrom("clients").select("secret_encrypted").where("client_id", "=", clientId).executeTakeFirst();
      return row?.secret_encrypted;
    },
    async anySecret() {
      const row = await db.selectFrom("clients").select("secret_encrypted").limit(1).executeTakeFirst();
      return row?.secret_encrypted;
    },
    async setSecret(clientId, secretEncrypted, now) {
      const res = await db
        .updateTable("clients")
        .set({ secret_encrypted: secretEncrypted, secret_rotated_at: now })
        .where("client_id", "=", clientId)
        .executeTakeFirst();
      return changed(res) > 0;
    },
    async setDisabled(clientId, disabled) {
      const res = await db.updateTable("clients").set({ disabled: disabled ? 1 : 0 }).where("client_id", "=", clientId).executeTakeFirst();
      return changed(res) > 0;
    },
    async update(clientId, changes: ClientChanges) {
      const set: Partial<ClientsTable> = {};
      if (changes.name !== undefined) set.name = changes.name;
      if (changes.allowedOrigins !== undefined) set.allowed_origins = JSON.stringify(changes.allowedOrigins);
      if (changes.primaryColor !== undefined) set.primary_color = changes.primaryColor;
      if (changes.logoUrl !== undefined) set.logo_url = changes.logoUrl;
      if (changes.redirectUrl !== undefined) set.redirect_url = changes.redirectUrl;
      if (changes.permissions?.idTokens !== undefined) set.perm_id_tokens = changes.permissions.idTokens ? 1 : 0;
      if (changes.permissions?.clientTokens !== undefined) set.perm_client_tokens = changes.permissions.clientTokens ? 1 : 0;
      if (Object.keys(set).length === 0) return (await get(clientId)) !== undefined;
      const res = await db.updateTable("clients").set(set).where("client_id", "=", clientId).executeTakeFirst();
      return changed(res) > 0;
    },
  };
}
