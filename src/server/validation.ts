import * as v from "valibot";
import { invalidRequest } from "./errors.ts";

// Control characters (NUL included) are refused in identifiers: they are never meant and they break logs and CSV.
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when the string can be encoded as UTF-8 (no lone surrogate halves). */
export function isWellFormedUnicode(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

/** Number of Unicode code points (what a user counts as characters). */
export function codePointLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** A string that is well-formed UTF-16 (no lone surrogates) and free of control characters. */
export function cleanString(field: string, min: number, max: number) {
  return v.pipe(
    v.string(`"${field}" must be a string`),
    v.check((s) => isWellFormedUnicode(s), `"${field}" is not valid Unicode (lone surrogate)`),
    v.check((s) => !CONTROL_CHARS.test(s), `"${field}" must not contain control characters`),
    v.check((s) => {
      const n = codePointLength(s);
      return n >= min && n <= max;
    }, `"${field}" must be ${min} to ${max} characters`),
  );
}

/** Longest client user id, in characters (code points), wherever one enters the service. */
export const MAX_CLIENT_USER_ID_LENGTH = 255;
/** Longest email address (RFC 5321's path limit less the brackets). */
export const MAX_EMAIL_LENGTH = 254;

/**
 * The one rule for a company's user id, at every entry (token endpoint, invite links and their JWT, invitations,
 * Portal, CLI): 1 to 255 characters counted as code points, valid Unicode, no control characters.
 */
export function clientUserIdString(field = "client_user_id") {
  return cleanString(field, 1, MAX_CLIENT_USER_ID_LENGTH);
}

/** The one rule for an email address, at every entry: a full address (valibot's email check), at most 254 characters. */
export function emailString(field = "email") {
  return v.pipe(
    cleanString(field, 3, MAX_EMAIL_LENGTH),
    v.email(`"${field}" must be an email address`),
  );
}

/** True when `value` passes the client user id rule. */
export function isClientUserId(value: unknown): value is string {
  return v.is(clientUserIdString(), value);
}

/** True when `value` passes the email rule. */
export function isEmailAddress(value: unknown): value is string {
  return v.is(emailString(), value);
}

/** Parses `input` with `schema`, turning the first issue into a 400 INVALID_REQUEST. */
export function parseOrFail<S extends v.GenericSchema>(schema: S, input: unknown): v.InferOutput<S> {
  const result = v.safeParse(schema, input);
  if (result.success) return result.output;
  const issue = result.issues[0];
  const key = issue.path?.map((p) => String(p.key)).join(".");
  const missing = issue.input === undefined && key;
  throw invalidRequest(missing ? `"${key}" is required` : issue.message);
}
