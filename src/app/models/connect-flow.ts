/**
 * The step-by-step flow: which screen shows, the selected source, signing in (credentials, MFA, OAuth popup),
 * disconnecting with a confirmation, and errors with a retry. Screens call these actions and read these signals.
 */
import { batch, signal } from "@preact/signals";
import { signsInByRedirect, type ConnectedResult, type MfaChallenge, type SourceDetail } from "../../protocol/connect-api.ts";
import type { ConnectSource } from "../../protocol/results.ts";
import { ApiError, toApiError, type ConnectApi } from "../api.ts";
import type { CredentialsSignIn } from "./credentials-sign-in.ts";
import type { EmitEvent } from "./events.ts";
import type { PopupEnv, PopupHandle } from "./oauth-popup.ts";
import type { OAuthReturn } from "./oauth-redirect.ts";
import type { OAuthSignIn } from "./oauth-sign-in.ts";
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

/** The shape of a source id; anything else names no source. */
export const SOURCE_ID = /^[0-9a-f]{24}$/;

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

  let confirmReturn: Screen = "connections";
  // Set while a sign-in opened straight from the page's `sourceId`: its Back leads to search, the screen never seen.
  let openedFromPage = false;
  // Answers that arrive after the user moved on are dropped: each navigation bumps the generation.
  let generation = 0;

  /** Stops watching an OAuth attempt and closes its popup. */
  const endOAuth = () => oauth?.end();

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
    openedFromPage = false;
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
   * needs re-authorisation (the repair), else its detail; Back from that sign-in leads to search. An id that names
   * no source, or (from the page) a source that cannot be signed in to now, emits ERROR with its code and leaves the
   * normal first screen. `fromPage` is false for Reconnect inside Connect, which keeps Back to the detail.
   */
  async function openOnSource(id: string, fromPage = true): Promise<void> {
    const unknown = (code: string) => {
      emit("ERROR", { errorCode: code, screen: "search", sourceId: SOURCE_ID.test(id) ? id : null });
      batch(() => {
        sourceId.value = null;
        source.value = null;
        go("search");
      });
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
    if (fromPage && detail.available === false) return unknown("SOURCE_UNAVAILABLE");
    source.value = detail;
    emit("SELECT_SOURCE", { sourceId: detail.id, sourceName: detail.name, sourceType: detail.type });
    if (!detail.connected || detail.connection_status === "needs_reauth") {
      beginConnect();
      openedFromPage = fromPage;
    }
  }

  /** "Reconnect" on a connection that needs re-authorisation: straight to its sign-in. */
  function repair(target: ConnectSource): Promise<void> {
    return openOnSource(target.id, false);
  }

  /** The detail's "Connect": the form for credential sources, the popup for OAuth ones. */
  function beginConnect(): void {
    const s = source.value;
    if (!s) return;
    formError.value = null;
    // A SMART source signs in at its EHR's own page: the same round trip as OAuth.
    if (signsInByRedirect(s.auth)) return void startOAuth();
    void loadCredentialsSignIn().catch(() => undefined);
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

  // Signing in with a username and password (and a code) is code that comes with the forms that submit it (the later
  // chunk), not in the first load; a form that shows has asked for it already.
  let credentialsSignIn: Promise<CredentialsSignIn> | undefined;
  const loadCredentialsSignIn = () =>
    (credentialsSignIn ??= import("./credentials-sign-in.ts").then(
      (m) => m.createCredentialsSignIn({ api, emit, source, username, formError, busy, challenge, sourceId, go, step: () => generation, connected, fail }),
      (err: unknown) => {
        credentialsSignIn = undefined;
        throw err;
      },
    ));

  /** Submits username and password. The password is never kept. */
  const submitCredentials = (user: string, password: string): Promise<void> =>
    loadCredentialsSignIn().then(
      (m) => m.submitCredentials(user, password),
      (err: unknown) => fail(err, () => go("credentials")),
    );

  /** Submits the one-time code of the current MFA challenge. */
  const submitMfa = (code: string): Promise<void> =>
    loadCredentialsSignIn().then(
      (m) => m.submitMfa(code),
      (err: unknown) => fail(err, () => go("mfa")),
    );

  /** True when this Connect can sign in by redirect (it knows the page to come back to). */
  const canRedirect = (): boolean => !!deps.oauthRedirect?.returnUrl;
  /** True when OAuth signs in by redirect rather than in a popup. */
  const redirectPreferred = (): boolean => !!deps.oauthRedirect?.preferred && canRedirect();

  // Signing in with OAuth (the popup, its watcher, the redirect and the return from it) is code of its own, loaded when
  // a sign-in starts or comes back; the later screens bring it along, so it is usually here already.
  let oauth: OAuthSignIn | undefined;
  let oauthLoading: Promise<OAuthSignIn> | undefined;
  const loadOAuth = () =>
    (oauthLoading ??= import("./oauth-sign-in.ts").then(
      (m) =>
        (oauth = m.createOAuthSignIn({
          api,
          emit,
          win: deps.win,
          pollMs: deps.pollMs,
          oauthRedirect: deps.oauthRedirect,
          screen,
          source,
          oauthPhase,
          busy,
          go,
          step: () => generation,
          connected,
          fail,
        })),
      (err: unknown) => {
        oauthLoading = undefined;
        throw err;
      },
    ));
  const withOAuth = (run: (o: OAuthSignIn) => Promise<void> | void, retry: () => void = () => void startOAuth()): Promise<void> =>
    loadOAuth().then(run, (err: unknown) => fail(err, retry));

  /** Starts an OAuth attempt and opens its popup, or leaves by redirect when that is the preferred way. */
  const startOAuth = (): Promise<void> => withOAuth((o) => o.start());

  /** "Continue in this window" after a blocked popup: the same sign-in by full-page redirect. */
  const continueInWindow = (): void => void withOAuth((o) => o.continueInWindow());

  /** Finishes a redirect sign-in the page came back with, as a popup sign-in would end. */
  const resumeOAuth = (ret: OAuthReturn): Promise<void> => withOAuth((o) => o.resume(ret), () => go("search"));

  /** "Try again" on the OAuth step: reopens a blocked popup at once (inside the click), else starts over. */
  const retryOAuth = (): void => (oauth ? oauth.retry() : void startOAuth());

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
      if (from === "credentials" || from === "oauth") {
        go(openedFromPage ? "search" : "source");
        openedFromPage = false;
      } else if (from === "mfa") go("credentials");
      else if (from === "confirm-disconnect") cancelDisconnect();
      else go("search");
    });
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
    dispose,
  };
}

/** The connect-flow model's shape. */
export type ConnectFlowModel = ReturnType<typeof createConnectFlowModel>;
