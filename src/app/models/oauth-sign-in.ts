/**
 * Signing in with OAuth: the attempt, its popup and the watcher that hears the popup's code, the full-page redirect
 * (preferred, or after a blocked popup) and the return from it. This code is loaded when a sign-in starts or comes
 * back (the later screens bring it along), not in the first load. It works on the connect flow's own state, handed
 * over as an `OAuthSignInContext`.
 */
import { batch, type Signal } from "@preact/signals";
import type { ConnectedResult, SourceDetail } from "../../protocol/connect-api.ts";
import { ApiError, type ConnectApi } from "../api.ts";
import type { FlowWindow, OAuthPhase, OAuthRedirectDeps, Screen } from "./connect-flow.ts";
import type { EmitEvent } from "./events.ts";
import { watchOAuthAttempt, type PopupHandle } from "./oauth-popup.ts";
import { redeemOAuthReturn, type OAuthReturn } from "./oauth-redirect.ts";

/** What the connect flow lends the OAuth sign-in: its state, navigation and outcomes. */
export interface OAuthSignInContext {
  api: ConnectApi;
  emit: EmitEvent;
  win: FlowWindow;
  pollMs: number | undefined;
  oauthRedirect: OAuthRedirectDeps | undefined;
  screen: Signal<Screen>;
  source: Signal<SourceDetail | null>;
  oauthPhase: Signal<OAuthPhase>;
  busy: Signal<boolean>;
  go(next: Screen): void;
  /** Changes with every navigation: an answer that arrives after it changed is dropped. */
  step(): number;
  connected(res: Pick<ConnectedResult, "source" | "connections"> & { repaired?: boolean }): void;
  fail(err: unknown, retry: () => void): void;
}

/** Creates the OAuth sign-in over the flow's state. */
export function createOAuthSignIn(ctx: OAuthSignInContext) {
  const { api, emit, win, pollMs, oauthRedirect, screen, source, oauthPhase, busy, go, step, connected, fail } = ctx;
  let stopOAuth: (() => void) | null = null;
  let popup: PopupHandle | null = null;
  let oauthAttempt: { attemptId: string; url: string } | null = null;
  const redirectPreferred = (): boolean => !!oauthRedirect?.preferred && !!oauthRedirect.returnUrl;

  /** Stops watching the attempt and closes its popup (leaving the OAuth step, or Connect). */
  function end(): void {
    stopOAuth?.();
    stopOAuth = null;
    if (popup && !popup.closed) popup.close();
    popup = null;
  }

  function openPopup(url: string, attemptId: string): void {
    const s = source.value;
    const opened = win.open(url);
    if (!opened) {
      emit("OAUTH_POPUP_BLOCKED", { sourceId: s?.id ?? null, sourceName: s?.name ?? null });
      oauthPhase.value = "blocked";
      return;
    }
    popup = opened;
    oauthPhase.value = "waiting";
    emit("OAUTH_POPUP_OPENED", { sourceId: s?.id ?? null, sourceName: s?.name ?? null });
    stopOAuth?.();
    stopOAuth = watchOAuthAttempt({
      api,
      attemptId,
      popup: opened,
      env: win,
      pollMs,
      onOutcome: (o) => {
        stopOAuth = null;
        if (screen.value !== "oauth") return;
        if (o.kind === "popup-closed") {
          popup = null;
          oauthPhase.value = "closed";
        } else if (o.kind === "error") {
          fail(o.error, () => void start());
        } else if (o.status.status === "connected") {
          connected(o.status);
        } else {
          fail(new ApiError(o.status.errorCode, o.status.message, 0), () => void start());
        }
      },
    });
  }

  /** Starts an OAuth attempt and opens its popup, or leaves by redirect when that is the preferred way. */
  async function start(): Promise<void> {
    if (redirectPreferred()) return startRedirect(true);
    const s = source.value;
    if (!s) return;
    batch(() => {
      oauthPhase.value = "starting";
      go("oauth");
    });
    const gen = step();
    emit("CONNECT_START", { sourceId: s.id, sourceName: s.name, auth: s.auth });
    try {
      const res = await api.startOAuth(s.id);
      if (gen !== step()) return;
      oauthAttempt = { attemptId: res.attempt_id, url: res.authorize_url };
      openPopup(res.authorize_url, res.attempt_id);
    } catch (err) {
      if (gen === step()) fail(err, () => void start());
    }
  }

  /**
   * Starts an attempt that returns to this page and asks the page to leave for the sign-in. The outcome comes back
   * through `resume` in the page's next Connect. `announce` is false for the blocked popup's fallback, whose
   * CONNECT_START was already sent.
   */
  async function startRedirect(announce: boolean): Promise<void> {
    const s = source.value;
    const redirect = oauthRedirect;
    if (!s || !redirect?.returnUrl) return;
    end();
    batch(() => {
      oauthPhase.value = "redirecting";
      go("oauth");
    });
    const gen = step();
    if (announce) emit("CONNECT_START", { sourceId: s.id, sourceName: s.name, auth: s.auth });
    try {
      const res = await api.startOAuth(s.id, redirect.returnUrl);
      if (gen !== step()) return;
      oauthAttempt = null;
      redirect.leave(res.authorize_url);
    } catch (err) {
      if (gen === step()) fail(err, () => void start());
    }
  }

  /** "Continue in this window" after a blocked popup: the same sign-in by full-page redirect. */
  function continueInWindow(): void {
    void startRedirect(false);
  }

  /**
   * Finishes a redirect sign-in the page came back with: redeems its secret with this Connect's token, then shows
   * the outcome as a popup sign-in would (the success screen and `connected`, or the error screen and ERROR).
   */
  async function resume(ret: OAuthReturn): Promise<void> {
    batch(() => {
      busy.value = true;
      go("connecting");
    });
    const gen = step();
    const again = () => (source.value ? void start() : go("search"));
    try {
      const res = await redeemOAuthReturn(api, ret);
      if (gen !== step()) return;
      if (res.status === "connected") return connected(res);
      fail(new ApiError(res.errorCode, res.message, 0), again);
    } catch (err) {
      if (gen === step()) fail(err, again);
    }
  }

  /** "Try again" on the OAuth step: reopens a blocked popup at once (inside the click), else starts over. */
  function retry(): void {
    if (oauthPhase.value === "blocked" && oauthAttempt) return openPopup(oauthAttempt.url, oauthAttempt.attemptId);
    void start();
  }

  return { start, retry, continueInWindow, resume, end };
}

/** The OAuth sign-in's shape. */
export type OAuthSignIn = ReturnType<typeof createOAuthSignIn>;
