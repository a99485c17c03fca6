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
  /** Popularity, 0 the most popular; absent for sources the first screen does not suggest. */
  rank?: number;
  /** The source's logo, an https URL; absent when the catalog has none (the app draws a monogram). */
  logoUrl?: string;
  /** For `auth: "smart"`: where the EHR is and how this service is registered with it (only as imported). */
  smart?: SmartSourceSettings;
}

/** A SMART on FHIR source's FHIR base and this service's registration with its EHR. */
export interface SmartSourceSettings {
  fhirBaseUrl: string;
  clientId: string;
  /** Set for a confidential client; plain only between the import and the store, which keeps it encrypted. */
  clientSecret: string | null;
  /** Space-separated scopes asked for. */
  scopes: string;
}
