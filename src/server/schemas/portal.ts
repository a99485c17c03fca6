// Requests and answers of the Portal's own routes (`/portal/api/...`); the rest of the Portal API is the
// server-to-server API's (schemas/client-api.ts).
import * as v from "valibot";
import { DELIVERY_HEALTH_STATES, FUNNEL_STATUSES, OVERVIEW_PERIODS } from "../../protocol/portal-overview.ts";
import type { PortalOverview } from "../../protocol/portal-overview.ts";
import { count, isoTime, text } from "./fields.ts";

/** `POST /portal/api/sign-in`. */
export const signInBody = v.object({
  client_id: text("client_id", 1, 128),
  client_secret: text("client_secret", 1, 512),
});

/** `POST /portal/api/client-secret/rotate`. */
export const rotateBody = v.object({
  revoke_tokens: v.optional(v.boolean('"revoke_tokens" must be true or false')),
});

/** Query of `GET /portal/api/overview`: `days` is 7, 30 or 90 (30 when absent). */
export const overviewQuery = v.object({
  days: v.optional(
    v.pipe(
      v.picklist(OVERVIEW_PERIODS.map(String) as [string, ...string[]], '"days" must be 7, 30 or 90'),
      v.transform((days) => Number(days) as (typeof OVERVIEW_PERIODS)[number]),
    ),
    "30",
  ),
});

const counts = <K extends string>(keys: readonly K[]) =>
  v.strictObject(Object.fromEntries(keys.map((k) => [k, count])) as Record<K, typeof count>);

/** `GET /portal/api/overview`. */
export const overviewAnswer = v.strictObject({
  days: v.picklist(OVERVIEW_PERIODS),
  from: isoTime,
  to: isoTime,
  users: counts(FUNNEL_STATUSES),
  connections: v.array(v.strictObject({ type: v.string(), count })),
  webhooks: counts(DELIVERY_HEALTH_STATES),
});

/** The protocol type is what the schema allows. */
export const OVERVIEW_COVERED: [PortalOverview] extends [v.InferOutput<typeof overviewAnswer>] ? true : never = true;
