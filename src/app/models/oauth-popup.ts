/**
 * Watches one OAuth attempt while its popup is open. The callback page posts the authorization code to this window
 * only, and this Connect redeems it with its own token: that is what makes a sign-in finish only in the Connect that
 * started it. Only this Connect's own popup is heard (same origin, the very window it opened, its attempt id), and
 * this Connect acknowledges the message so that the popup closes; a callback page nobody acknowledges stays open and
 * explains that nothing was connected. A poll of the attempt every second notices failures and a popup closed early.
 * The service's answer is the only truth.
 */
import type { OAuthAttemptStatus, OAuthPopupAck, OAuthPopupMessage } from "../../protocol/connect-api.ts";
import { toApiError, type ApiError, type ConnectApi } from "../api.ts";

/** The popup as far as the watcher cares: the very object its messages name as their `source` (the browser's window). */
export interface PopupHandle {
  readonly closed: boolean;
  close(): void;
  postMessage(message: OAuthPopupAck, targetOrigin: string): void;
}

/** Where the watcher listens: the app's window (messages, timers) and its own origin. */
export interface PopupEnv {
  origin: string;
  addEventListener(type: "message", listener: (event: MessageEvent) => void): void;
  removeEventListener(type: "message", listener: (event: MessageEvent) => void): void;
}

/** How a watched attempt ended. */
export type OAuthOutcome =
  | { kind: "settled"; status: Exclude<OAuthAttemptStatus, { status: "pending" }> }
  | { kind: "popup-closed" }
  | { kind: "error"; error: ApiError };

function isPopupMessage(data: unknown, attemptId: string): data is OAuthPopupMessage {
  if (typeof data !== "object" || data === null) return false;
  const m = data as Record<string, unknown>;
  return m.ns === "human-connect-oauth" && m.attempt_id === attemptId && (m.status === "authorized" || m.status === "failed");
}

/** Fatal errors end the watch; anything else (a dropped request) is retried on the next tick. */
const FATAL = new Set(["SESSION_TOKEN_INVALID", "SESSION_TOKEN_EXPIRED", "MISSING_SESSION_TOKEN", "ORIGIN_NOT_ALLOWED", "OAUTH_ATTEMPT_NOT_FOUND"]);

/** Starts watching; calls `onOutcome` once, and returns the cleanup (which also stops any further call). */
export function watchOAuthAttempt(opts: {
  api: ConnectApi;
  attemptId: string;
  popup: PopupHandle;
  env: PopupEnv;
  pollMs?: number;
  onOutcome: (outcome: OAuthOutcome) => void;
}): () => void {
  let active = true;
  let inFlight = false;

  const finish = (outcome: OAuthOutcome) => {
    if (!active) return;
    stop();
    opts.onOutcome(outcome);
  };

  // While this Connect redeems its popup's code, the poll waits: the popup closes as soon as it is acknowledged, and
  // that must not read as "closed before finishing".
  let redeeming = false;

  async function check(popupClosed: boolean) {
    if (!active || inFlight || redeeming) return;
    inFlight = true;
    try {
      const status = await opts.api.getOAuthAttempt(opts.attemptId);
      if (status.status === "connected" || status.status === "failed") finish({ kind: "settled", status });
      else if (popupClosed && !redeeming) finish({ kind: "popup-closed" });
    } catch (err) {
      const e = toApiError(err);
      if (FATAL.has(e.errorCode)) finish({ kind: "error", error: e });
      else if (popupClosed && !redeeming) finish({ kind: "popup-closed" });
    } finally {
      inFlight = false;
    }
  }

  /** Redeems the popup's code with this Connect's own token, one request at a time. */
  async function redeem(code: string) {
    if (!active || redeeming) return;
    redeeming = true;
    try {
      const status = await opts.api.completeOAuth(opts.attemptId, code);
      if (status.status === "connected" || status.status === "failed") finish({ kind: "settled", status });
    } catch (err) {
      finish({ kind: "error", error: toApiError(err) });
    } finally {
      redeeming = false;
    }
  }

  const onMessage = (event: MessageEvent) => {
    // Only this Connect's own popup: our origin, the window we opened (not another page or popup of this origin),
    // and our attempt.
    if (event.origin !== opts.env.origin || event.source !== (opts.popup as unknown) || !isPopupMessage(event.data, opts.attemptId)) return;
    const { status, code } = event.data;
    const ack: OAuthPopupAck = { ns: "human-connect-oauth", attempt_id: opts.attemptId, status: "received" };
    try {
      opts.popup.postMessage(ack, opts.env.origin);
    } catch {
      // A popup gone meanwhile needs no answer.
    }
    if (status === "authorized" && typeof code === "string") void redeem(code);
    else void check(false);
  };
  const timer = setInterval(() => void check(opts.popup.closed), opts.pollMs ?? 1000);
  opts.env.addEventListener("message", onMessage);

  function stop() {
    active = false;
    clearInterval(timer);
    opts.env.removeEventListener("message", onMessage);
  }
  return stop;
}
