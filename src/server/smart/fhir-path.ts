// What the FHIR read-through accepts: relative FHIR paths under the base, and their query, nothing that could leave it.

/** Most segments a FHIR path may have (e.g. `Patient/{id}/_history/{vid}`). */
const MAX_SEGMENTS = 6;
/** Longest query passed on. */
export const MAX_FHIR_QUERY = 4096;
const RESOURCE_TYPE = /^(?:[A-Z][A-Za-z]{1,63}|metadata)$/;
const SEGMENT = /^[A-Za-z0-9\-._$]{1,128}$/;
// Query characters that may pass through as sent: unreserved, sub-delims, ':', '@', '/', '?', and percent escapes.
const QUERY = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*$/;

/**
 * The FHIR path of a request, from the raw (still percent-encoded) segments after `/fhir/`, or null when it is not a
 * relative FHIR path: empty, dot segments, escapes (an encoded slash could climb out of the base), or too long.
 */
export function fhirPathOf(rawSegments: readonly string[]): string | null {
  if (rawSegments.length === 0 || rawSegments.length > MAX_SEGMENTS) return null;
  const [first] = rawSegments;
  if (!first || !RESOURCE_TYPE.test(first)) return null;
  for (const segment of rawSegments) {
    if (!SEGMENT.test(segment) || segment === "." || segment === "..") return null;
  }
  return rawSegments.join("/");
}

/** The raw query to pass on (without `?`), or null when it is too long or holds characters a URL may not. */
export function fhirQueryOf(rawQuery: string): string | null {
  return rawQuery.length <= MAX_FHIR_QUERY && QUERY.test(rawQuery) ? rawQuery : null;
}
