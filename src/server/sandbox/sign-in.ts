import type { SourceRecord } from "../catalog/types.ts";

/** The one MFA code the sandbox accepts. */
export const SANDBOX_MFA_CODE = "123456";

/** What the sandbox's sign-in decides for a username and password. */
export type SandboxSignIn =
  | { outcome: "connected" }
  | { outcome: "mfa_required" }
  | { outcome: "error"; errorCode: "INVALID_CREDENTIALS" | "ACCOUNT_LOCKED"; message: string };

/**
 * The sandbox's sign-in rules: `demo`/`demo` connects (after a code on MFA sources), `mfa`/`demo` always asks
 * for a code, `locked` is locked, anything else is refused.
 */
export function sandboxSignIn(source: SourceRecord, username: string, password: string): SandboxSignIn {
  const user = username.trim().toLowerCase();
  if (user === "locked") {
    return { outcome: "error", errorCode: "ACCOUNT_LOCKED", message: "This account is locked. Contact the source to unlock it." };
  }
  if ((user === "demo" || user === "mfa") && password === "demo") {
    return user === "mfa" || source.auth === "credentials_mfa" ? { outcome: "mfa_required" } : { outcome: "connected" };
  }
  return { outcome: "error", errorCode: "INVALID_CREDENTIALS", message: "The username or password is incorrect." };
}
