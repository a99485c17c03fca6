/**
 * UI state persistence: each step change saves `{screen, sourceId, query, type}` (plus the pending MFA challenge on
 * the MFA step) to the service, debounced, so that reopening Connect after a crash resumes at the same step
 * (`restoreFlow`). Passwords, usernames and codes are never part of it.
 */
import { effect } from "@preact/signals";
import { signsInByRedirect, type MfaChallenge, type SourceDetail, type UiState } from "../../protocol/connect-api.ts";
import { toApiError, type ApiError, type ConnectApi } from "../api.ts";
import { SOURCE_ID, type ConnectFlowModel } from "./connect-flow.ts";
import type { SearchModel } from "./search.ts";
import type { SessionModel } from "./session.ts";

/** Puts the flow back where a saved UI state left it, at the start of a Connect. */
export async function restoreFlow(
  deps: { api: ConnectApi; flow: ConnectFlowModel; session: SessionModel; isFatal: (e: ApiError) => boolean; onFatal: (e: ApiError) => void },
  state: UiState,
): Promise<void> {
  const { flow } = deps;
  const go = flow.go;
  const saved = state.screen;
  const id = typeof state.sourceId === "string" && SOURCE_ID.test(state.sourceId) ? state.sourceId : null;
  if (saved === "connections") return go("connections");
  if (saved === "confirm-disconnect") {
    const target = deps.session.connections.value.find((c) => c.id === id);
    if (!target) return go("connections");
    flow.pendingDisconnect.value = target;
    flow.sourceId.value = target.id;
    return go("confirm-disconnect");
  }
  const needsSource = ["source", "credentials", "mfa", "oauth", "connecting"];
  if (typeof saved !== "string" || !needsSource.includes(saved) || !id) return go("search");
  flow.sourceId.value = id;
  let detail: SourceDetail;
  try {
    detail = await deps.api.getSource(id);
    flow.source.value = detail;
  } catch (err) {
    const e = toApiError(err);
    if (deps.isFatal(e)) return deps.onFatal(e);
    return go("search");
  }
  if (saved === "source" || saved === "connecting" || detail.connected) return go("source");
  if (saved === "oauth" && signsInByRedirect(detail.auth)) {
    flow.oauthPhase.value = "idle";
    return go("oauth");
  }
  if (saved === "mfa") {
    const c = readChallenge(state.challenge);
    if (c) {
      flow.challenge.value = c;
      return go("mfa");
    }
  }
  return go(signsInByRedirect(detail.auth) ? "source" : "credentials");
}

function readChallenge(raw: unknown): MfaChallenge | null {
  if (typeof raw !== "object" || raw === null) return null;
  const c = raw as Record<string, unknown>;
  if (typeof c.challenge_id !== "string" || typeof c.prompt !== "string") return null;
  return { challenge_id: c.challenge_id, prompt: c.prompt, expires_in: typeof c.expires_in === "number" ? c.expires_in : 0 };
}

/** The saved snapshot of where the user is. */
export function snapshotUiState(flow: ConnectFlowModel, search: SearchModel): UiState {
  const screen = flow.screen.value;
  const state: UiState = {
    screen,
    sourceId: flow.sourceId.value,
    query: search.query.value,
    type: search.type.value,
  };
  const c = flow.challenge.value;
  if (screen === "mfa" && c) state.challenge = { challenge_id: c.challenge_id, prompt: c.prompt, expires_in: c.expires_in };
  return state;
}

const stepOf = (s: UiState) => `${String(s.screen)}/${String(s.sourceId)}`;

/** Creates the persistence model; `start()` begins saving changes and returns the cleanup. */
export function createUiStateModel(deps: { api: ConnectApi; flow: ConnectFlowModel; search: SearchModel; debounceMs?: number }) {
  const debounceMs = deps.debounceMs ?? 300;
  let lastSaved = "";
  let pending: UiState | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;

  // One save at a time: parallel requests can reach the service out of order and leave an older step saved.
  let inFlight: Promise<void> | null = null;
  let queued: UiState | null = null;

  function save(state: UiState): Promise<void> {
    lastSaved = JSON.stringify(state);
    if (inFlight) {
      queued = state;
      return inFlight;
    }
    // A failed save only costs the resume point; it must never interrupt the user.
    const run = (s: UiState): Promise<void> =>
      deps.api.saveUiState(s).then(
        () => undefined,
        () => undefined,
      );
    inFlight = run(state).then(async () => {
      while (queued) {
        const next = queued;
        queued = null;
        await run(next);
      }
      inFlight = null;
    });
    return inFlight;
  }

  /** Sends any pending change now (before Connect closes). */
  function flush(): Promise<void> {
    clearTimeout(timer);
    const state = pending;
    pending = null;
    return state ? save(state) : Promise.resolve();
  }

  /** Starts watching the flow and search for changes; the loading screen is never saved. */
  function start(): () => void {
    const stop = effect(() => {
      if (deps.flow.screen.value === "loading") return;
      const state = snapshotUiState(deps.flow, deps.search);
      const json = JSON.stringify(state);
      if (json === lastSaved) {
        pending = null;
        clearTimeout(timer);
        return;
      }
      pending = state;
      clearTimeout(timer);
      // A new step is saved at once (a crash right after it must still resume there); typing is debounced.
      const stepChanged = !lastSaved || stepOf(JSON.parse(lastSaved) as UiState) !== stepOf(state);
      timer = setTimeout(() => void flush(), stepChanged ? 0 : debounceMs);
    });
    return () => {
      stop();
      clearTimeout(timer);
    };
  }

  /** Marks the state restored from the service as already saved, so restoring does not save it again. */
  function markSaved(state: UiState | null): void {
    lastSaved = state ? JSON.stringify(state) : "";
  }

  return { start, flush, markSaved };
}

/** The persistence model's shape. */
export type UiStateModel = ReturnType<typeof createUiStateModel>;
