/**
 * The whole app: wires the session, search, connect-flow and UI-state models to the host, and owns starting,
 * `ready` and closing.
 */
import { signal } from "@preact/signals";
import { message, type CloseMessage, type ReadyMessage } from "../../protocol/messages.ts";
import type { CloseStatus } from "../../protocol/results.ts";
import { toApiError, type ApiError, type ConnectApi } from "../api.ts";
import type { Host } from "../bridge.ts";
import { createConnectFlowModel, type FlowWindow } from "./connect-flow.ts";
import { createEventEmitter } from "./events.ts";
import { navigatePage, parseOAuthReturn } from "./oauth-redirect.ts";
import { createSearchModel, toSourceType } from "./search.ts";
import { createSessionModel } from "./session.ts";
import { createSuggestionsModel } from "./suggestions.ts";
import type { UiStateModel } from "./ui-state.ts";

/** API errors that end Connect, closing with the same status. */
const FATAL_STATUSES: ReadonlySet<string> = new Set<CloseStatus>([
  "SESSION_TOKEN_INVALID",
  "SESSION_TOKEN_EXPIRED",
  "MISSING_SESSION_TOKEN",
  "ORIGIN_NOT_ALLOWED",
]);

/** True when an API error ends the session instead of showing an error screen. */
export function isFatalError(error: ApiError): boolean {
  return FATAL_STATUSES.has(error.errorCode);
}

/** Timing knobs, shortened in tests. */
export interface AppTimings {
  /** The pause in typing before the result count is announced. */
  searchAnnounceMs?: number;
  uiStateDebounceMs?: number;
  oauthPollMs?: number;
}

/** Creates the app model over a host and an API client. */
export function createAppModel(deps: { host: Host; api: ConnectApi; win: FlowWindow; now?: () => number; timings?: AppTimings }) {
  const { host, api } = deps;
  const emit = createEventEmitter(host, deps.now);
  const closed = signal(false);
  let readySent = false;
  let oauthReturnRedeemed = false;
  let sourceOpened = false;
  const cleanups: Array<() => void> = [];

  const session = createSessionModel({ api, host, token: host.token });
  const search = createSearchModel({
    api,
    announceDelayMs: deps.timings?.searchAnnounceMs,
    onSearched: (query, type, total) => {
      if (query || type) emit("SEARCH", { query, type, total });
    },
    onError: (e) => {
      if (isFatalError(e)) close(e.errorCode as CloseStatus);
      else emit("ERROR", { errorCode: e.errorCode, screen: "search", sourceId: null });
    },
  });
  const flow = createConnectFlowModel({
    api,
    session,
    emit,
    win: deps.win,
    isFatal: isFatalError,
    onFatal: (e) => close(e.errorCode as CloseStatus),
    pollMs: deps.timings?.oauthPollMs,
    oauthRedirect: {
      returnUrl: host.options.returnUrl,
      preferred: host.options.oauthRedirect === true,
      // Not a close: no CLOSE event and no session report, as Connect resumes when the page comes back. The step is
      // saved first so that the returning Connect shows the same source.
      leave: (url) => {
        if (closed.value) return;
        void flushUiState().finally(() => {
          if (!closed.value) navigatePage(host, url);
        });
      },
    },
  });
  const suggestions = createSuggestionsModel({ api, pinned: host.options.pinnedSources ?? [] });
  // Restoring and saving the step is code of its own, fetched beside the session rather than in the first load.
  let uiState: UiStateModel | null = null;
  let uiStateModule: Promise<typeof import("./ui-state.ts")> | undefined;
  const flushUiState = () => uiState?.flush() ?? Promise.resolve();

  /** Loads the session, restores the saved step, and starts searching and saving. */
  async function start(): Promise<void> {
    if (cleanups.length === 0) {
      emit("OPEN", {});
      cleanups.push(host.onCloseRequest(() => close("SUCCESS")));
    }
    flow.go("loading");
    uiStateModule ??= import("./ui-state.ts");
    // Asked beside the session, so the first screen has its sources as soon as it shows.
    void suggestions.load();
    try {
      await session.load();
    } catch (err) {
      const e = toApiError(err);
      if (closed.value) return;
      return flow.showError(e, () => void start());
    }
    if (closed.value) return;
    const saved = session.savedUiState.value;
    if (saved) {
      if (typeof saved.query === "string") search.query.value = saved.query.slice(0, 200);
      search.type.value = toSourceType(saved.type);
    }
    cleanups.push(search.start());
    if (api.prepareSearch) cleanups.push(api.prepareSearch());
    let uiStateCode: typeof import("./ui-state.ts");
    try {
      uiStateCode = await uiStateModule;
    } catch {
      // Without its code nothing is restored or saved: Connect still works, from the first screen.
      uiStateModule = undefined;
      return flow.go("search");
    }
    if (closed.value) return;
    if (saved) await uiStateCode.restoreFlow({ api, flow, session, isFatal: isFatalError, onFatal: (e) => close(e.errorCode as CloseStatus) }, saved);
    else flow.go("search");
    if (closed.value) return;
    // The page came back from a redirect sign-in: its outcome is redeemed once (a reloaded app finds it used).
    const back = parseOAuthReturn(host.options.oauthReturn);
    if (back && !oauthReturnRedeemed) {
      oauthReturnRedeemed = true;
      await flow.resumeOAuth(back);
      if (closed.value) return;
    } else if (host.options.sourceId !== undefined && !sourceOpened) {
      // The page named a source: open on its sign-in (or its repair), once; a reloaded app resumes its saved step.
      sourceOpened = true;
      await flow.openOnSource(host.options.sourceId);
      if (closed.value) return;
    }
    uiState ??= uiStateCode.createUiStateModel({ api, flow, search, debounceMs: deps.timings?.uiStateDebounceMs });
    uiState.markSaved(saved);
    cleanups.push(uiState.start());
  }

  /** Tells the page Connect is interactive; sent once, after the session loaded and the first screen has focus. */
  function markReady(): void {
    if (readySent || closed.value || !session.loaded.value) return;
    readySent = true;
    host.send(message<ReadyMessage>("ready", { currentConnections: session.connections.value.map((c) => ({ ...c })) }));
    emit("READY", { connections: session.connections.value.length });
  }

  /** Closes Connect: saves where the user is and tells the page, once. */
  function close(status: CloseStatus = "SUCCESS"): void {
    if (closed.value) return;
    closed.value = true;
    emit("CLOSE", { status });
    void flushUiState();
    // Only a normal close has a live token to report with; the service turns it into `connect.session_closed`.
    if (status === "SUCCESS" && session.loaded.value) api.closeSession().catch(() => undefined);
    flow.dispose();
    for (const c of cleanups.splice(0)) c();
    const currentConnections = status === "SUCCESS" ? session.connections.value.map((c) => ({ ...c })) : [];
    host.send(message<CloseMessage>("close", { status, currentConnections }));
  }

  return { session, search, suggestions, flow, closed, start, markReady, close, emit };
}

/** The app model's shape. */
export type AppModel = ReturnType<typeof createAppModel>;
