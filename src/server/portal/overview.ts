// The Portal's overview: users by status as a funnel, connections by source type and webhook delivery health, over
// the last 7, 30 or 90 days. What each figure counts is written in src/protocol/portal-overview.ts.
import type { DeliveryHealthState, FunnelStatus, OverviewPeriod, PortalOverview } from "../../protocol/portal-overview.ts";
import type { HumanRecord, OutboxStateCount, OverviewStore } from "../store/types.ts";
import { humanStatus } from "../users/service.ts";

const DAY_MS = 86_400_000;

/** The delivery state the overview shows for an outbox state. */
function deliveryHealth(row: OutboxStateCount): DeliveryHealthState {
  if (row.state === "pending") return row.attempted ? "retrying" : "queued";
  return row.state;
}

/** Builds the overview of one client for the period ending at `now`. */
export async function portalOverview(store: OverviewStore, clientId: string, days: OverviewPeriod, now: number): Promise<PortalOverview> {
  const since = now - days * DAY_MS;
  const [profiles, connections, outbox] = await Promise.all([
    store.humanProfiles(clientId, since),
    store.connectionsBySourceType(clientId, since),
    store.outboxStates(clientId, since),
  ]);
  const users: Record<FunnelStatus, number> = { created: 0, invited: 0, engaged: 0, connected: 0 };
  for (const p of profiles) {
    // The status comes from the same rule `GET /v1/users` applies, which reads only these facts of a human.
    const facts = { engagedAt: p.engaged ? now : null, invitedAt: p.invited ? now : null } as HumanRecord;
    users[humanStatus(facts, p.connected ? 1 : 0)] += p.count;
  }
  const webhooks: Record<DeliveryHealthState, number> = { delivered: 0, retrying: 0, failed: 0, queued: 0 };
  for (const row of outbox) webhooks[deliveryHealth(row)] += row.count;
  return { days, from: new Date(since).toISOString(), to: new Date(now).toISOString(), users, connections, webhooks };
}
