import type { UiState } from "../../../protocol/connect-api.ts";
import type { UiStateStore } from "../types.ts";
import { compiledOnce } from "./compiled-once.ts";
import type { Db } from "./db.ts";

const getState = compiledOnce((db, humanId: string) => db.selectFrom("ui_state").select("state_json").where("human_id", "=", humanId));

/** Saved UI state in SQL, as JSON text. */
export function uiStateStore(db: Db): UiStateStore {
  return {
    async get(humanId) {
      const row = (await getState(db, humanId)).rows[0];
      return row ? (JSON.parse(row.state_json) as UiState) : null;
    },
    async save(humanId, state, now) {
      const json = JSON.stringify(state);
      await db
        .insertInto("ui_state")
        .values({ human_id: humanId, state_json: json, updated_at: now })
        .onConflict((oc) => oc.column("human_id").doUpdateSet({ state_json: json, updated_at: now }))
        .execute();
    },
  };
}
