// The users funnel from the overview's counts by current status. Statuses are ordered (created, invited, engaged,
// connected) and a user's status is the furthest step reached, so the users who reached a step are those in it or
// in any later one. A user who launched Connect without an invitation counts as past "invited": that step reads
// "invited or further".
import { FUNNEL_STATUSES, type FunnelStatus } from "../../protocol/portal-overview.ts";

/** One step of the funnel. */
export interface FunnelStep {
  status: FunnelStatus;
  /** Users whose status is this one now (what `GET /v1/users?status=` counts). */
  now: number;
  /** Users who reached this step: in it now or further. */
  reached: number;
  /** `reached` over the previous step's `reached`, 0 to 1; null for the first step or when the previous one is 0. */
  conversion: number | null;
}

/** The funnel's steps, first to last. */
export function funnelSteps(users: Record<FunnelStatus, number>): FunnelStep[] {
  let reached = FUNNEL_STATUSES.reduce((n, s) => n + users[s], 0);
  let previous: number | null = null;
  return FUNNEL_STATUSES.map((status) => {
    const step: FunnelStep = {
      status,
      now: users[status],
      reached,
      conversion: previous === null || previous === 0 ? null : reached / previous,
    };
    previous = reached;
    reached -= users[status];
    return step;
  });
}
