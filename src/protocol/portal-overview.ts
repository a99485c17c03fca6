/**
 * The Portal's overview, `GET /portal/api/overview?days=7|30|90`. Types only: the Portal reads it, the service
 * builds it (src/server/portal/overview.ts).
 *
 * Every figure covers one period, the last `days` days up to `to`:
 * - `users`: the client's users created in the period, by their status now. A user's status is the one
 *   `GET /v1/users` lists: connected while they have a source, else engaged once they launched Connect, else invited
 *   once an invite link or email was made for them, else created. So the four numbers add up to the users created
 *   in the period, and for a period that holds every user they equal `GET /v1/users?status=...` totals.
 * - `connections`: sources connected in the period and still connected, by source type.
 * - `webhooks`: webhook messages queued in the period, by delivery state: delivered; retrying (an attempt failed and
 *   another is scheduled); failed (given up, refused or the endpoint answered 410); queued (not yet attempted).
 */

/** The periods the overview covers, in days. */
export const OVERVIEW_PERIODS = [7, 30, 90] as const;

/** One of the overview's periods. */
export type OverviewPeriod = (typeof OVERVIEW_PERIODS)[number];

/** The statuses of the users funnel, in onboarding order. */
export const FUNNEL_STATUSES = ["created", "invited", "engaged", "connected"] as const;

/** A user status of the funnel. */
export type FunnelStatus = (typeof FUNNEL_STATUSES)[number];

/** Webhook delivery states the overview counts. */
export const DELIVERY_HEALTH_STATES = ["delivered", "retrying", "failed", "queued"] as const;

/** A webhook delivery state of the overview. */
export type DeliveryHealthState = (typeof DELIVERY_HEALTH_STATES)[number];

/** What `GET /portal/api/overview` answers. */
export interface PortalOverview {
  days: OverviewPeriod;
  /** Start of the period, ISO 8601. */
  from: string;
  /** End of the period (the time of the answer), ISO 8601. */
  to: string;
  users: Record<FunnelStatus, number>;
  connections: { type: string; count: number }[];
  webhooks: Record<DeliveryHealthState, number>;
}
