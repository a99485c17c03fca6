import type { SmartGrantsTable, SmartSourcesTable } from "../schema.ts";
import type { SmartGrantRecord, SmartSourceRow, SmartStore } from "../types.ts";
import { changed, inTransaction, type Db } from "./db.ts";

function toSource(row: SmartSourcesTable): SmartSourceRow {
  return {
    sourceId: row.source_id,
    fhirBaseUrl: row.fhir_base_url,
    clientId: row.client_id,
    clientSecretEncrypted: row.client_secret_encrypted,
    scopes: row.scopes,
  };
}

function toGrant(row: SmartGrantsTable): SmartGrantRecord {
  return {
    humanId: row.human_id,
    sourceId: row.source_id,
    accessTokenEncrypted: row.access_token_encrypted,
    refreshTokenEncrypted: row.refresh_token_encrypted,
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    patient: row.patient,
    scope: row.scope,
    updatedAt: Number(row.updated_at),
  };
}

function grantRow(g: SmartGrantRecord): SmartGrantsTable {
  return {
    human_id: g.humanId,
    source_id: g.sourceId,
    access_token_encrypted: g.accessTokenEncrypted,
    refresh_token_encrypted: g.refreshTokenEncrypted,
    expires_at: g.expiresAt,
    patient: g.patient,
    scope: g.scope,
    updated_at: g.updatedAt,
  };
}

/** SMART source settings and connection tokens in SQL. */
export function smartStore(db: Db): SmartStore {
  return {
    async putSources(rows, at) {
      if (rows.length === 0) return;
      await inTransaction(db, async (trx) => {
        for (const r of rows) {
          const values = {
            source_id: r.sourceId,
            fhir_base_url: r.fhirBaseUrl,
            client_id: r.clientId,
            client_secret_encrypted: r.clientSecretEncrypted,
            scopes: r.scopes,
            updated_at: at,
          };
          await trx
            .insertInto("smart_sources")
            .values(values)
            .onConflict((oc) =>
              oc.column("source_id").doUpdateSet({
                fhir_base_url: values.fhir_base_url,
                client_id: values.client_id,
                client_secret_encrypted: values.client_secret_encrypted,
                scopes: values.scopes,
                updated_at: at,
              }),
            )
            .execute();
        }
      });
    },
    async getSource(sourceId) {
      const row = await db.selectFrom("smart_sources").selectAll().where("source_id", "=", sourceId).executeTakeFirst();
      return row ? toSource(row) : undefined;
    },
    async putGrant(grant) {
      const row = grantRow(grant);
      await db
        .insertInto("smart_grants")
        .values(row)
        .onConflict((oc) =>
          oc.columns(["human_id", "source_id"]).doUpdateSet({
            access_token_encrypted: row.access_token_encrypted,
            refresh_token_encrypted: row.refresh_token_encrypted,
            expires_at: row.expires_at,
            patient: row.patient,
            scope: row.scope,
            updated_at: row.updated_at,
            refresh_lease_until: null,
          }),
        )
        .execute();
    },
    async getGrant(humanId, sourceId) {
      const row = await db.selectFrom("smart_grants").selectAll().where("human_id", "=", humanId).where("source_id", "=", sourceId).executeTakeFirst();
      return row ? toGrant(row) : undefined;
    },
    async listGrants(humanId) {
      const rows = await db.selectFrom("smart_grants").selectAll().where("human_id", "=", humanId).execute();
      return rows.map(toGrant);
    },
    async replaceTokens(previousAccessEncrypted, grant) {
      const result = await db
        .updateTable("smart_grants")
        .set({
          access_token_encrypted: grant.accessTokenEncrypted,
          refresh_token_encrypted: grant.refreshTokenEncrypted,
          expires_at: grant.expiresAt,
          scope: grant.scope,
          updated_at: grant.updatedAt,
          refresh_lease_until: null,
        })
        .where("human_id", "=", grant.humanId)
        .where("source_id", "=", grant.sourceId)
        .where("access_token_encrypted", "=", previousAccessEncrypted)
        .executeTakeFirst();
      return changed(result) > 0;
    },
    async claimRefresh(humanId, sourceId, accessEncrypted, until, now) {
      const result = await db
        .updateTable("smart_grants")
        .set({ refresh_lease_until: until })
        .where("human_id", "=", humanId)
        .where("source_id", "=", sourceId)
        .where("access_token_encrypted", "=", accessEncrypted)
        .where((eb) => eb.or([eb("refresh_lease_until", "is", null), eb("refresh_lease_until", "<=", now)]))
        .executeTakeFirst();
      return changed(result) > 0;
    },
    async releaseRefresh(humanId, sourceId, accessEncrypted) {
      await db
        .updateTable("smart_grants")
        .set({ refresh_lease_until: null })
        .where("human_id", "=", humanId)
        .where("source_id", "=", sourceId)
        .where("access_token_encrypted", "=", accessEncrypted)
        .execute();
    },
    async deleteGrant(humanId, sourceId) {
      await db.deleteFrom("smart_grants").where("human_id", "=", humanId).where("source_id", "=", sourceId).execute();
    },
  };
}
