// The lookups routes share, each with its one 404: a source by id, and a client's user by client_user_id.
import type { SourceRecord } from "../catalog/types.ts";
import type { AppDeps } from "../deps.ts";
import { ApiFailure } from "../errors.ts";
import { SOURCE_ID_PATTERN } from "../schemas/fields.ts";
import type { HumanRecord } from "../store/types.ts";

/** The source with this id; 404 SOURCE_NOT_FOUND when the catalog has none (or the id is malformed). */
export async function requireSource(deps: AppDeps, sourceId: string): Promise<SourceRecord> {
  const source = SOURCE_ID_PATTERN.test(sourceId) ? await deps.store.sources.get(sourceId) : undefined;
  if (!source) throw new ApiFailure(404, "SOURCE_NOT_FOUND", "No source has this id.");
  return source;
}

/** The client's user with this client_user_id; 404 UNKNOWN_CLIENT_USER_ID when there is none. */
export async function requireClientUser(deps: AppDeps, clientId: string, clientUserId: string): Promise<HumanRecord> {
  const human = await deps.store.humans.find(clientId, clientUserId);
  if (!human) throw new ApiFailure(404, "UNKNOWN_CLIENT_USER_ID", "No user has this client_user_id.");
  return human;
}
