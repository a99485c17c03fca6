/**
 * UI state persistence: each step change saves `{screen, sourceId, query, type}` (plus the pending MFA challenge on
 * the MFA step) to the service, debounced, so that reopening Connect after a crash resumes at the same step.
 * Passwords, usernames and codes are never part of it.
 */
import { effect } from "@preact/signals";
import type { UiState } from "../../protocol/connect-api.ts";
import type { ConnectApi } from "../api.ts";
import type { ConnectFlowModel } from "./connect-flow.ts";
import type { SearchModel } from "./search.ts";

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
