// Field schemas shared by the request and answer schemas of every API group. The service's text rules
// (`cleanString` and friends) are custom checks that JSON Schema cannot read, so each is paired here with metadata
// that states the same rule in JSON Schema's words: JSON Schema counts string lengths in code points, as the checks
// do, and the pattern refuses the same control characters. The OpenAPI document is built from these very schemas.
import * as v from "valibot";
import { MAX_CLIENT_USER_ID_LENGTH, MAX_EMAIL_LENGTH, cleanString, clientUserIdString, emailString } from "../validation.ts";

/** JSON Schema pattern of the control characters `cleanString` refuses. */
export const NO_CONTROL_CHARACTERS = "^[^\\u0000-\\u001F\\u007F]*$";

/** Pattern of a source id: 24 lowercase hex characters. */
export const SOURCE_ID_PATTERN = /^[0-9a-f]{24}$/;

/** A clean string (valid Unicode, no control characters) of `min` to `max` characters. */
export function text(field: string, min: number, max: number) {
  return v.pipe(
    cleanString(field, min, max),
    v.metadata({ minLength: min, maxLength: max, pattern: NO_CONTROL_CHARACTERS }),
  );
}

/** A company's user id, by the one rule every entry applies. */
export function clientUserId(field = "client_user_id") {
  return v.pipe(
    clientUserIdString(field),
    v.metadata({ minLength: 1, maxLength: MAX_CLIENT_USER_ID_LENGTH, pattern: NO_CONTROL_CHARACTERS }),
  );
}

/** An email address, by the one rule every entry applies. */
export function email(field = "email") {
  return v.pipe(emailString(field), v.metadata({ minLength: 3, maxLength: MAX_EMAIL_LENGTH, pattern: NO_CONTROL_CHARACTERS }));
}

/** A source id in a request body. */
export function sourceId(field = "source_id") {
  return v.pipe(v.string(`"${field}" must be a string`), v.regex(SOURCE_ID_PATTERN, `"${field}" must be 24 lowercase hex characters`));
}

/** An ISO 8601 time as the service writes it (`Date.toISOString()`). */
export const isoTime = v.pipe(v.string(), v.isoTimestamp());

/** A count or page number in an answer. */
export const count = v.pipe(v.number(), v.integer(), v.minValue(0));

/** A source as callbacks and answers name it. */
export const connectSource = v.strictObject({ name: v.string(), id: v.string() });

/** The one error shape of the service, for the given codes (any code when none are given). */
export function apiError(codes?: readonly [string, ...string[]]) {
  return v.strictObject({
    errorCode: codes ? v.picklist(codes) : v.string(),
    message: v.string(),
  });
}
