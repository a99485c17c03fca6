/** Stable codes of what can go wrong between the service and an EHR. */
export type SmartErrorCode =
  /** `.well-known/smart-configuration` could not be read or is not usable (unreachable, not JSON, too large, no S256). */
  | "EHR_DISCOVERY_FAILED"
  /** The EHR did not exchange the authorization code for tokens. */
  | "EHR_TOKEN_EXCHANGE_FAILED"
  /** The tokens did not read the patient they were issued for. */
  | "EHR_PATIENT_READ_FAILED"
  /** The EHR refused the refresh token (`invalid_grant`): the user must sign in again. */
  | "CONNECTION_NEEDS_REAUTH"
  /** The EHR could not be reached, timed out, or answered too much or something unusable. */
  | "EHR_UNAVAILABLE";

/** A failure talking to an EHR, with a closed code and a message that never holds a token. */
export class SmartError extends Error {
  constructor(
    readonly code: SmartErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "SmartError";
  }
}
