/**
 * Signing in with a username and password, then the one-time code some sources ask for. Only the credentials and
 * code forms submit these, so this code comes with them in the later chunk (src/app/screens/later.ts) instead of in
 * the first load. It works on the connect flow's own state, handed over as a `CredentialsSignInContext`.
 */
import { batch, type Signal } from "@preact/signals";
import type { ConnectedResult, ConnectResult, MfaChallenge, SourceDetail } from "../../protocol/connect-api.ts";
import { toApiError, type ConnectApi } from "../api.ts";
import type { Screen } from "./connect-flow.ts";
import type { EmitEvent } from "./events.ts";

/** What the connect flow lends the credential sign-in: its state, navigation and outcomes. */
export interface CredentialsSignInContext {
  api: ConnectApi;
  emit: EmitEvent;
  source: Signal<SourceDetail | null>;
  username: Signal<string>;
  formError: Signal<string | null>;
  busy: Signal<boolean>;
  challenge: Signal<MfaChallenge | null>;
  sourceId: Signal<string | null>;
  go(next: Screen): void;
  /** Changes with every navigation: an answer that arrives after it changed is dropped. */
  step(): number;
  connected(res: Pick<ConnectedResult, "source" | "connections"> & { repaired?: boolean }): void;
  fail(err: unknown, retry: () => void): void;
}

/** Creates the credential sign-in over the flow's state. */
export function createCredentialsSignIn(ctx: CredentialsSignInContext) {
  const { api, emit, source, username, formError, busy, challenge, sourceId, go, step, connected, fail } = ctx;

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
    const gen = step();
    emit("CONNECT_START", { sourceId: s.id, sourceName: s.name, auth: s.auth });
    try {
      const res = await api.connectWithCredentials({ source_id: s.id, username: user, password });
      if (gen !== step()) return;
      if (res.status !== "connected") emit("MFA_REQUIRED", { sourceId: s.id, sourceName: s.name });
      answered(res);
    } catch (err) {
      if (gen !== step()) return;
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
    const gen = step();
    try {
      const res = await api.submitMfa({ challenge_id: c.challenge_id, code });
      if (gen !== step()) return;
      answered(res);
    } catch (err) {
      if (gen !== step()) return;
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

  return { submitCredentials, submitMfa };
}

/** The credential sign-in's shape. */
export type CredentialsSignIn = ReturnType<typeof createCredentialsSignIn>;
