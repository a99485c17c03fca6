import type { EmailTemplatesTable } from "../schema.ts";
import type { StoredEmailTemplate, TemplateStore } from "../types.ts";
import { changed, type Db } from "./db.ts";

function toTemplate(r: EmailTemplatesTable): StoredEmailTemplate {
  return { alias: r.alias, subject: r.subject, html: r.html, text: r.text, updatedAt: r.updated_at };
}

/** Email templates in SQL. */
export function templateStore(db: Db): TemplateStore {
  return {
    async list(clientId) {
      const rows = await db.selectFrom("email_templates").selectAll().where("client_id", "=", clientId).orderBy("alias").execute();
      return rows.map(toTemplate);
    },
    async get(clientId, alias) {
      const r = await db.selectFrom("email_templates").selectAll().where("client_id", "=", clientId).where("alias", "=", alias).executeTakeFirst();
      return r ? toTemplate(r) : undefined;
    },
    async put(clientId, t) {
      const values = { subject: t.subject, html: t.html, text: t.text, updated_at: t.updatedAt };
      await db
        .insertInto("email_templates")
        .values({ client_id: clientId, alias: t.alias, ...values })
        .onConflict((oc) => oc.columns(["client_id", "alias"]).doUpdateSet(values))
        .execute();
    },
    async delete(clientId, alias) {
      const res = await db.deleteFrom("email_templates").where("client_id", "=", clientId).where("alias", "=", alias).executeTakeFirst();
      return changed(res) > 0;
    },
  };
}
