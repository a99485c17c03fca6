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

/** An email address: loose shape check, at most 254 characters. */
export function emailString(field: string) {
  return v.pipe(
    cleanString(field, 3, 254),
    v.regex(/^[^\s@]+@[^\s@]+$/, `"${field}" must be an email address`),
  );
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
