/**
 * OAuth by full-page redirect, the app's side. Going: the attempt is started with the page's address as its return
 * URL and the page is asked to navigate to the sign-in (the loader checks the URL). Coming back: the page's next
 * Connect receives `<attempt id>.<secret>` from the return URL's fragment and redeems it with its own token; the
 * service answers the stored outcome only to the attempt's own user, once. Everything here came through the page, so
 * it is checked for shape before it is sent anywhere.
 */
import type { OAuthAttemptStatus } from "../../protocol/connect-api.ts";
import { message, type NavigateMessage } from "../../protocol/messages.ts";
import { ApiError, type ConnectApi } from "../api.ts";
import type { Host } from "../bridge.ts";

/** A redirect sign-in's way back: which attempt, and its one-time completion secret. */
export interface OAuthReturn {
  attemptId: string;
  secret: string;
}

const RETURN_SHAPE = /^(oa_[A-Za-z0-9_-]{8,60})\.([A-Za-z0-9_-]{16,128})$/;

/** Reads the `oauthReturn` init option; null unless it has exactly the shape the service mints. */
export function parseOAuthReturn(raw: unknown): OAuthReturn | null {
  const m = typeof raw === "string" ? RETURN_SHAPE.exec(raw) : null;
  return m ? { attemptId: m[1]!, secret: m[2]! } : null;
}

/** The settled outcome of a redirect sign-in, redeemed once; a pending answer cannot happen and reads as a failure. */
export async function redeemOAuthReturn(api: ConnectApi, ret: OAuthReturn): Promise<Exclude<OAuthAttemptStatus, { status: "pending" }>> {
  const status = await api.resumeOAuth(ret.attemptId, ret.secret);
  if (status.status === "pending") throw new ApiError("OAUTH_FAILED", "The sign-in did not finish.", 0);
  return status;
}

/** Asks the page to leave for the sign-in; the page closes Connect quietly and goes. */
export function navigatePage(host: Pick<Host, "send">, url: string): void {
  host.send(message<NavigateMessage>("navigate", { url }));
}
