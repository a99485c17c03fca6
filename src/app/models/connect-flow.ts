/**
 * The step-by-step flow: which screen shows, the selected source, signing in (credentials, MFA, OAuth popup),
 * disconnecting with a confirmation, and errors with a retry. Screens call these actions and read these signals.
 */
import { batch, signal } from "@preact/signals";
import type { ConnectedResult, ConnectResult, MfaChallenge, SourceDetail, UiState } from "../../protocol/connect-api.ts";
import type { ConnectSource } from "../../protocol/results.ts";
import { ApiError, toApiError, type ConnectApi } from "../api.ts";
import type { EmitEvent } from "./events.ts";
import { watchOAuthAttempt, type PopupEnv, type PopupHandle } from "./oauth-popup.ts";
import { redeemOAuthReturn, type OAuthReturn } from "./oauth-redirect.ts";
import type { SessionModel } from "./session.ts";

/** Every screen of the app. */
export type Screen =
  | "loading"
  | "search"
  | "source"
  | "credentials"
  | "mfa"
  | "oauth"
  | "connecting"
  | "connections"
  | "confirm-disconnect"
  | "error"
  | "done";

/** Where the OAuth step stands; "redirecting" while the page leaves for the provider. */
export type OAuthPhase = "idle" | "starting" | "waiting" | "blocked" | "closed" | "redirecting";

/** Signing in by full-page redirect: where to come back, whether it replaces the popup, and how to leave. */
export interface OAuthRedirectDeps {
  /** The page's address (from `init`); without it the page cannot be returned to, so there is no redirect. */
  returnUrl: string | undefined;
  /** Always by redirect (`oauthRedirect`, hosted Connect) instead of a popup. */
  preferred: boolean;
  /** Saves where the user is, then asks the page to navigate to `url`. */
  leave(url: string): void;
}

/** The window features the flow needs: opening the popup and hearing its message. */
export interface FlowWindow extends PopupEnv {
  open(url: string): PopupHandle | null;
}

/** A shown error: its code, and what "Try again" does. */
export interface FlowError {
  code: string;
  retry: () => void;
}

const SOURCE_ID = /^[0-9a-f]{24}$/;

/** Creates the connect-flow model. `onFatal` receives errors that end the session (token, origin). */
export function createConnectFlowModel(deps: {
  api: ConnectApi;
  session: SessionModel;
  emit: EmitEvent;
  win: FlowWindow;
  isFatal: (error: ApiError) => boolean;
  onFatal: (error: ApiError) => void;
  pollMs?: number;
  oauthRedirect?: OAuthRedirectDeps;
}) {
  const { api, session, emit } = deps;
  const screen = signal<Screen>("loading");
  const sourceId = signal<string | null>(null);
  const source = signal<SourceDetail | null>(null);
  const username = signal("");
  const formError = signal<string | null>(null);
  const error = signal<FlowError | null>(null);
  const challenge = signal<MfaChallenge | null>(null);
  const oauthPhase = signal<OAuthPhase>("idle");
  const outcome = signal<{ kind: "connected" | "repaired" | "disconnected"; source: ConnectSource } | null>(null);
  const pendingDisconnect = signal<ConnectSource | null>(null);
  const busy = signal(false);

  let stopOAuth: (() => void) | null = null;
  let popup: PopupHandle | null = null;
  let oauthAttempt: { attemptId: string; url: string } | null = null;
  let confirmReturn: Screen = "connections";
  // Answers that arrive after the user moved on are dropped: each navigation bumps the generation.
  let generation = 0;

  function endOAuth() {
    stopOAuth?.();
    stopOAuth = null;
    if (popup && !popup.closed) popup.close();
    popup = null;
  }

  function go(next: Screen) {
    if (screen.value === "oauth" && next !== "oauth") endOAuth();
    generation++;
    screen.value = next;
  }

  const sourceName = () => source.value?.name ?? pendingDisconnect.value?.name ?? "";

  function fail(err: unknown, retry: () => void) {
    const e = toApiError(err);
    if (deps.isFatal(e)) return deps.onFatal(e);
    emit("ERROR", { errorCode: e.errorCode, screen: screen.value, sourceId: sourceId.value });
    batch(() => {
      error.value = { code: e.errorCode, retry };
      busy.value = false;
      go("error");
    });
  }

  /** Opens a source's detail. */
  async function openSource(id: string): Promise<void> {
    batch(() => {
      sourceId.value = id;
      if (source.value?.id !== id) source.value = null;
      formError.value = null;
      go("source");
    });
    const gen = generation;
    try {
      const detail = await api.getSource(id);
      if (gen !== generation) return;
      source.value = detail;
      emit("SELECT_SOURCE", { sourceId: detail.id, sourceName: detail.name, sourceType: detail.type });
    } catch (err) {
      if (gen === generation) fail(err, () => void openSource(id));
    }
  }

  /**
   * Opens straight on a source the page named (`sourceId`): its sign-in when it is not connected or its connection
   * needs re-authorisation (the repair), else its detail. An id that names no source emits ERROR and leaves the
   * normal first screen.
   */
  async function openOnSource(id: string): Promise<void> {
    const unknown = (code: string) => {
      emit("ERROR", { errorCode: code, screen: "search", sourceId: null });
      go("search");
    };
    if (!SOURCE_ID.test(id)) return unknown("SOURCE_NOT_FOUND");
    batch(() => {
      sourceId.value = id;
      source.value = null;
      formError.value = null;
      go("source");
    });
    const gen = generation;
    let detail: SourceDetail;
    try {
      detail = await api.getSource(id);
    } catch (err) {
      if (gen !== generation) return;
      const e = toApiError(err);
      if (deps.isFatal(e)) return deps.onFatal(e);
      return unknown(e.errorCode);
    }
    if (gen !== generation) return;
    source.value = detail;
    emit("SELECT_SOURCE", { sourceId: detail.id, sourceName: detail.name, sourceType: detail.type });
    if (!detail.connected || detail.connection_status === "needs_reauth") beginConnect();
  }

  /** "Reconnect" on a connection that needs re-authorisation: straight to its sign-in. */
  function repair(target: ConnectSource): Promise<void> {
    return openOnSource(target.id);
  }

  /** The detail's "Connect": the form for credential sources, the popup for OAuth ones. */
  function beginConnect(): void {
    const s = source.value;
    if (!s) return;
    formError.value = null;
    if (s.auth === "oauth") return void startOAuth();
    go("credentials");
  }

  /** A sign-in ended connected: a new connection, or the repair of one that needed re-authorisation. */
  function connected(res: Pick<ConnectedResult, "source" | "connections"> & { repaired?: boolean }) {
    const s = { name: res.source.name, id: res.source.id };
    const repaired = res.repaired === true;
    session.recordConnected(s, res.connections);
    emit(repaired ? "SOURCE_REPAIRED" : "CONNECTED_SOURCE", { sourceId: s.id, sourceName: s.name });
    if (source.value?.id === s.id) source.value = { ...source.value, connected: true, connection_status: "active" };
    batch(() => {
      outcome.value = { kind: repaired ? "repaired" : "connected", source: s };
      challenge.value = null;
      busy.value = false;
      go("done");
    });
  }

  /** Leaves a sign-in form for the "connecting" screen while its step is sent. */
  function sending(): void {
    batch(() => {
      formError.value = null;
      busy.value = true;
      go("connecting");
    });
  }

  /** Shows the answer to a sign-in step: done when connected, else the (next) MFA challenge. */
  function answered(res: ConnectResult): void {
    if (res.status === "connected") return connected(res);
    batch(() => {
      challenge.value = res.challenge;
      busy.value = false;
      go("mfa");
    });
  }

  /** Back to a sign-in form, with the error it explains. */
  function formFailed(code: string, form: "credentials" | "mfa"): void {
    batch(() => {
      formError.value = code;
      busy.value = false;
      go(form);
    });
  }

  /** Submits username and password. The password is never kept. */
  async function submitCredentials(user: string, password: string): Promise<void> {
    const s = source.value;
    if (!s || busy.value) return;
    batch(() => {
      username.value = user;
      sending();
    });
    const gen = generation;
    emit("CONNECT_START", { sourceId: s.id, sourceName: s.name, auth: s.auth });
    try {
      const res = await api.connectWithCredentials({ source_id: s.id, username: user, password });
      if (gen !== generation) return;
      if (res.status !== "connected") emit("MFA_REQUIRED", { sourceId: s.id, sourceName: s.name });
      answered(res);
    } catch (err) {
      if (gen !== generation) return;
      const e = toApiError(err);
      if (e.errorCode === "INVALID_CREDENTIALS") {
        emit("ERROR", { errorCode: e.errorCode, screen: "credentials", sourceId: s.id });
        return formFailed(e.errorCode, "credentials");
      }
      fail(e, () => go("credentials"));
    }
  }

  /** Submits the one-time code of the current MFA challenge. */
  async function submitMfa(code: string): Promise<void> {
    const c = challenge.value;
    if (!c || busy.value) return;
    sending();
    const gen = generation;
    try {
      const res = await api.submitMfa({ challenge_id: c.challenge_id, code });
      if (gen !== generation) return;
      answered(res);
    } catch (err) {
      if (gen !== generation) return;
      const e = toApiError(err);
      if (e.errorCode === "INVALID_MFA_CODE" || e.errorCode === "MFA_CHALLENGE_EXPIRED" || e.errorCode === "MFA_CHALLENGE_INVALID") {
        emit("ERROR", { errorCode: e.errorCode, screen: "mfa", sourceId: sourceId.value });
        if (e.errorCode === "INVALID_MFA_CODE") return formFailed(e.errorCode, "mfa");
        // A void challenge cannot take another code: sign in again.
        return batch(() => {
          challenge.value = null;
          formFailed("MFA_CHALLENGE_EXPIRED", "credentials");
        });
      }
      fail(e, () => go(challenge.value ? "mfa" : "credentials"));
    }
  }

  function openPopup(url: string, attemptId: string): void {
    const s = source.value;
    const opened = deps.win.open(url);
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
      env: deps.win,
      pollMs: deps.pollMs,
      onOutcome: (o) => {
        stopOAuth = null;
        if (screen.value !== "oauth") return;
        if (o.kind === "popup-closed") {
          popup = null;
          oauthPhase.value = "closed";
        } else if (o.kind === "error") {
          fail(o.error, () => void startOAuth());
        } else if (o.status.status === "connected") {
          connected(o.status);
        } else {
          fail(new ApiError(o.status.errorCode, o.status.message, 0), () => void startOAuth());
        }
      },
    });
  }

  /** True when this Connect can sign in by redirect (it knows the page to come back to). */
  const canRedirect = (): boolean => !!deps.oauthRedirect?.returnUrl;
  /** True when OAuth signs in by redirect rather than in a popup. */
  const redirectPreferred = (): boolean => !!deps.oauthRedirect?.preferred && canRedirect();

  /** Starts an OAuth attempt and opens its popup, or leaves by redirect when that is the preferred way. */
  async function startOAuth(): Promise<void> {
    if (redirectPreferred()) return startRedirect(true);
    const s = source.value;
    if (!s) return;
    batch(() => {
      oauthPhase.value = "starting";
      go("oauth");
    });
    const gen = generation;
    emit("CONNECT_START", { sourceId: s.id, sourceName: s.name, auth: s.auth });
    try {
      const res = await api.startOAuth(s.id);
      if (gen !== generation) return;
      oauthAttempt = { attemptId: res.attempt_id, url: res.authorize_url };
      openPopup(res.authorize_url, res.attempt_id);
    } catch (err) {
      if (gen === generation) fail(err, () => void startOAuth());
    }
  }

  /**
   * Starts an attempt that returns to this page and asks the page to leave for the sign-in. The outcome comes back
   * through `resumeOAuth` in the page's next Connect. `announce` is false for the blocked popup's fallback, whose
   * CONNECT_START was already sent.
   */
  async function startRedirect(announce: boolean): Promise<void> {
    const s = source.value;
    const redirect = deps.oauthRedirect;
    if (!s || !redirect?.returnUrl) return;
    endOAuth();
    batch(() => {
      oauthPhase.value = "redirecting";
      go("oauth");
    });
    const gen = generation;
    if (announce) emit("CONNECT_START", { sourceId: s.id, sourceName: s.name, auth: s.auth });
    try {
      const res = await api.startOAuth(s.id, redirect.returnUrl);
      if (gen !== generation) return;
      oauthAttempt = null;
      redirect.leave(res.authorize_url);
    } catch (err) {
      if (gen === generation) fail(err, () => void startOAuth());
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
  async function resumeOAuth(ret: OAuthReturn): Promise<void> {
    batch(() => {
      busy.value = true;
      go("connecting");
    });
    const gen = generation;
    const retry = () => (source.value ? void startOAuth() : go("search"));
    try {
      const res = await redeemOAuthReturn(api, ret);
      if (gen !== generation) return;
      if (res.status === "connected") return connected(res);
      fail(new ApiError(res.errorCode, res.message, 0), retry);
    } catch (err) {
      if (gen === generation) fail(err, retry);
    }
  }

  /** "Try again" on the OAuth step: reopens a blocked popup at once (inside the click), else starts over. */
  function retryOAuth(): void {
    if (oauthPhase.value === "blocked" && oauthAttempt) return openPopup(oauthAttempt.url, oauthAttempt.attemptId);
    void startOAuth();
  }

  /** Asks to disconnect a source; the confirmation screen follows. */
  function askDisconnect(target: ConnectSource): void {
    confirmReturn = screen.value === "source" ? "source" : "connections";
    batch(() => {
      pendingDisconnect.value = { name: target.name, id: target.id };
      sourceId.value = target.id;
      go("confirm-disconnect");
    });
  }

  /** Confirms the pending disconnection. */
  async function confirmDisconnect(): Promise<void> {
    const target = pendingDisconnect.value;
    if (!target || busy.value) return;
    busy.value = true;
    const gen = generation;
    try {
      const res = await api.disconnect(target.id);
      if (gen !== generation) return;
      const s = { name: res.source?.name ?? target.name, id: res.source?.id ?? target.id };
      session.recordDisconnected(s, res.connections);
      emit("DISCONNECTED_SOURCE", { sourceId: s.id, sourceName: s.name });
      if (source.value?.id === s.id) source.value = { ...source.value, connected: false };
      batch(() => {
        outcome.value = { kind: "disconnected", source: s };
        pendingDisconnect.value = null;
        busy.value = false;
        go("done");
      });
    } catch (err) {
      if (gen === generation) fail(err, () => go("confirm-disconnect"));
    }
  }

  /** Leaves the confirmation without disconnecting. */
  function cancelDisconnect(): void {
    batch(() => {
      pendingDisconnect.value = null;
      go(confirmReturn);
    });
  }

  /** The screen "Back" leads to from each screen. */
  function back(): void {
    const from = screen.value;
    batch(() => {
      formError.value = null;
      if (from === "credentials" || from === "oauth") go("source");
      else if (from === "mfa") go("credentials");
      else if (from === "confirm-disconnect") cancelDisconnect();
      else go("search");
    });
  }

  /** Puts the flow back where a saved UI state left it. Passwords are never part of it. */
  async function restore(state: UiState | null): Promise<void> {
    const saved = state?.screen;
    const id = typeof state?.sourceId === "string" && SOURCE_ID.test(state.sourceId) ? state.sourceId : null;
    if (saved === "connections") return go("connections");
    if (saved === "confirm-disconnect") {
      const target = session.connections.value.find((c) => c.id === id);
      if (!target) return go("connections");
      confirmReturn = "connections";
      pendingDisconnect.value = target;
      sourceId.value = target.id;
      return go("confirm-disconnect");
    }
    const needsSource = ["source", "credentials", "mfa", "oauth", "connecting"];
    if (typeof saved !== "string" || !needsSource.includes(saved) || !id) return go("search");
    sourceId.value = id;
    let detail: SourceDetail;
    try {
      detail = await api.getSource(id);
      source.value = detail;
    } catch (err) {
      const e = toApiError(err);
      if (deps.isFatal(e)) return deps.onFatal(e);
      return go("search");
    }
    if (saved === "source" || saved === "connecting" || detail.connected) return go("source");
    if (saved === "oauth" && detail.auth === "oauth") {
      oauthPhase.value = "idle";
      return go("oauth");
    }
    if (saved === "mfa") {
      const c = readChallenge(state?.challenge);
      if (c) {
        challenge.value = c;
        return go("mfa");
      }
    }
    return go(detail.auth === "oauth" ? "source" : "credentials");
  }

  /** Stops the OAuth watcher and closes its popup (when Connect closes). */
  function dispose(): void {
    endOAuth();
    generation++;
  }

  return {
    screen,
    sourceId,
    source,
    username,
    formError,
    error,
    challenge,
    oauthPhase,
    outcome,
    pendingDisconnect,
    busy,
    sourceName,
    go,
    /** Shows the error screen (or ends the session for fatal errors); "Try again" runs `retry`. */
    showError: fail,
    openSource,
    openOnSource,
    repair,
    beginConnect,
    submitCredentials,
    submitMfa,
    startOAuth,
    retryOAuth,
    canRedirect,
    redirectPreferred,
    continueInWindow,
    resumeOAuth,
    askDisconnect,
    confirmDisconnect,
    cancelDisconnect,
    back,
    restore,
    dispose,
  };
}

function readChallenge(raw: unknown): MfaChallenge | null {
  if (typeof raw !== "object" || raw === null) return null;
  const c = raw as Record<string, unknown>;
  if (typeof c.challenge_id !== "string" || typeof c.prompt !== "string") return null;
  return { challenge_id: c.challenge_id, prompt: c.prompt, expires_in: typeof c.expires_in === "number" ? c.expires_in : 0 };
}

/** The connect-flow model's shape. */
export type ConnectFlowModel = ReturnType<typeof createConnectFlowModel>;
