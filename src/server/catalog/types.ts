import type { AuthMethod, SourceType } from "../../protocol/connect-api.ts";

/** How a sandbox source answers a sign-in: normally, always unavailable, or after a long delay. */
export type SourceBehavior = "normal" | "unavailable" | "slow";

/** One connectable health data source in the catalog. */
export interface SourceRecord {
  id: string; // 24 lowercase hex
  name: string;
  type: SourceType;
  city: string;
  state: string; // two-letter US postal code
  auth: AuthMethod;
  description: string;
  behavior: SourceBehavior;
}
