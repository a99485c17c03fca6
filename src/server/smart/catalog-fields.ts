// The catalog fields of a SMART on FHIR source, as `sources import` reads them from a JSON or CSV row.
import * as v from "valibot";
import type { SmartSourceSettings, SourceRecord } from "../catalog/types.ts";

/** Scopes asked for when a row names none: the patient's own records, read-only, and a refresh token. */
export const DEFAULT_SMART_SCOPES = "launch/patient openid fhirUser offline_access patient/*.rs";

/** Names of the SMART fields of a catalog row; all optional unless the row's auth is "smart". */
export const SMART_FIELDS = ["fhir_base_url", "smart_client_id", "smart_client_secret", "scopes"] as const;

const PRINTABLE = /^[\u0021-\u007e]+$/;
// RFC 6749 scope-token: printable ASCII but space, double quote and backslash.
const SCOPE_LIST = /^[\u0021\u0023-\u005b\u005d-\u007e]+( [\u0021\u0023-\u005b\u005d-\u007e]+)*$/;

const fhirBaseUrl = v.pipe(
  v.string("must be a string"),
  v.trim(),
  v.maxLength(2048, "must be at most 2048 characters"),
  v.check(isFhirBaseUrl, "must be an absolute http(s) URL without credentials, query or fragment"),
  v.transform((url) => url.replace(/\/+$/, "")),
);

/** Valibot entries of the SMART fields, spread into the catalog row's schema. */
export const smartRowEntries = {
  fhir_base_url: v.optional(fhirBaseUrl),
  smart_client_id: v.optional(v.pipe(v.string("must be a string"), v.trim(), v.nonEmpty("must not be empty"), v.maxLength(512, "must be at most 512 characters"), v.regex(PRINTABLE, "must be printable ASCII without spaces"))),
  smart_client_secret: v.optional(v.pipe(v.string("must be a string"), v.trim(), v.nonEmpty("must not be empty"), v.maxLength(1024, "must be at most 1024 characters"), v.regex(PRINTABLE, "must be printable ASCII without spaces"))),
  scopes: v.optional(v.pipe(v.string("must be a string"), v.trim(), v.maxLength(2000, "must be at most 2000 characters"), v.regex(SCOPE_LIST, "must be scopes separated by single spaces"))),
};

/** The SMART fields of a parsed row. */
export interface SmartRowFields {
  fhir_base_url?: string | undefined;
  smart_client_id?: string | undefined;
  smart_client_secret?: string | undefined;
  scopes?: string | undefined;
}

function isFhirBaseUrl(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  return (url.protocol === "https:" || url.protocol === "http:") && !url.username && !url.password && !url.search && !url.hash && !raw.includes("?") && !raw.includes("#");
}

/**
 * Takes the SMART fields off a parsed row and, when its auth is "smart", sets them as its `smart` settings; throws
 * naming the row (`label`) and the first missing field.
 */
export function moveSmartSettings(source: SourceRecord, label: string): void {
  const row = source as SourceRecord & SmartRowFields;
  const fields: SmartRowFields = { fhir_base_url: row.fhir_base_url, smart_client_id: row.smart_client_id, smart_client_secret: row.smart_client_secret, scopes: row.scopes };
  for (const field of SMART_FIELDS) delete row[field];
  if (source.auth === "smart") source.smart = smartSettingsOf(fields, label);
}

/** The settings of a row whose auth is "smart"; throws naming the row (`label`) and the first missing field. */
function smartSettingsOf(fields: SmartRowFields, label: string): SmartSourceSettings {
  if (fields.fhir_base_url === undefined) throw new Error(`${label}: field "fhir_base_url" is missing (required when auth is smart)`);
  if (fields.smart_client_id === undefined) throw new Error(`${label}: field "smart_client_id" is missing (required when auth is smart)`);
  return {
    fhirBaseUrl: fields.fhir_base_url,
    clientId: fields.smart_client_id,
    clientSecret: fields.smart_client_secret ?? null,
    scopes: fields.scopes || DEFAULT_SMART_SCOPES,
  };
}
