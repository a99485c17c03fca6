/** The Connect session: who the user is, whose app asked, their connections, and what changed in this session. */
import { batch, signal } from "@preact/signals";
import { message, type ConnectedMessage, type DisconnectedMessage } from "../../protocol/messages.ts";
import type { ClientBranding, SessionView, UiState } from "../../protocol/connect-api.ts";
import {
  addSessionChange,
  emptySessionResults,
  type ConnectSource,
  type ConnectSourceResponse,
  type DisconnectSourceResponse,
  type SessionResults,
} from "../../protocol/results.ts";
import type { ConnectApi } from "../api.ts";
import type { Host } from "../bridge.ts";

/** Keeps only the documented `{name, id}` of a source. */
export function toConnectSource(s: { name: string; id: string }): ConnectSource {
  return { name: String(s.name), id: String(s.id) };
}

/** Creates the session model. */
export function createSessionModel(deps: { api: ConnectApi; host: Pick<Host, "send">; token: string }) {
  const token = signal(deps.token);
  const humanId = signal<string | null>(null);
  const client = signal<ClientBranding | null>(null);
  const connections = signal<ConnectSource[]>([]);
  /** Ids of connected sources whose connection needs re-authorisation (signing in again repairs it). */
  const needsReauth = signal<ReadonlySet<string>>(new Set());
  const results = signal<SessionResults>(emptySessionResults());
  const savedUiState = signal<UiState | null>(null);
  const loaded = signal(false);

  /** Loads the session; throws the API error (token problems included) for the caller to handle. */
  async function load(): Promise<SessionView> {
    const view = await deps.api.getSession();
    batch(() => {
      humanId.value = typeof view.human_id === "string" ? view.human_id : null;
      client.value = {
        name: typeof view.client.name === "string" ? view.client.name : "",
        primary_color: typeof view.client.primary_color === "string" ? view.client.primary_color : null,
        logo_url: typeof view.client.logo_url === "string" ? view.client.logo_url : null,
      };
      connections.value = view.connections.map(toConnectSource);
      needsReauth.value = new Set(
        (Array.isArray(view.connection_health) ? view.connection_health : [])
          .filter((c) => c && c.status === "needs_reauth" && c.source && typeof c.source.id === "string")
          .map((c) => c.source.id),
      );
      savedUiState.value = typeof view.ui_state === "object" && view.ui_state !== null ? view.ui_state : null;
      loaded.value = true;
    });
    return view;
  }

  /** Records a connection, tells the page with the cumulative results, and returns what was sent. */
  function recordConnected(source: ConnectSource, current: ConnectSource[]): ConnectSourceResponse {
    const s = toConnectSource(source);
    batch(() => {
      results.value = addSessionChange(results.value, { action: "connected", source: s });
      connections.value = current.map(toConnectSource);
      if (needsReauth.value.has(s.id)) needsReauth.value = new Set([...needsReauth.value].filter((id) => id !== s.id));
    });
    const response: ConnectSourceResponse = {
      status: "CONNECTED_SOURCE",
      sessionResults: copyResults(results.value),
      currentConnections: connections.value.map(toConnectSource),
    };
    deps.host.send(message<ConnectedMessage>("connected", { response }));
    return response;
  }

  /** Records a disconnection, tells the page with the cumulative results, and returns what was sent. */
  function recordDisconnected(source: ConnectSource, current: ConnectSource[]): DisconnectSourceResponse {
    const s = toConnectSource(source);
    batch(() => {
      results.value = addSessionChange(results.value, { action: "disconnected", source: s });
      connections.value = current.map(toConnectSource);
    });
    const response: DisconnectSourceResponse = {
      status: "DISCONNECTED_SOURCE",
      sessionResults: copyResults(results.value),
      currentConnections: connections.value.map(toConnectSource),
    };
    deps.host.send(message<DisconnectedMessage>("disconnected", { response }));
    return response;
  }

  return { token, humanId, client, connections, needsReauth, results, savedUiState, loaded, load, recordConnected, recordDisconnected };
}

function copyResults(r: SessionResults): SessionResults {
  return {
    connectedSources: r.connectedSources.map(toConnectSource),
    disconnectedSources: r.disconnectedSources.map(toConnectSource),
  };
}

/** The session model's shape. */
export type SessionModel = ReturnType<typeof createSessionModel>;
