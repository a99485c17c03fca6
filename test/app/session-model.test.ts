import { describe, expect, it } from "vitest";
import type { ConnectApi } from "../../src/app/api.ts";
import { createSessionModel } from "../../src/app/models/session.ts";
import type { AppToPageMessage } from "../../src/protocol/messages.ts";
import { CLEVELAND, STARFLEET } from "./fake-service.ts";

function model(connections = [CLEVELAND]) {
  const sent: AppToPageMessage[] = [];
  const api = {
    getSession: async () => ({
      human_id: "h",
      token_kind: "session",
      expires_at: "2030-01-01T00:00:00Z",
      client: { name: "Acme", primary_color: null, logo_url: null },
      connections: connections.map((c) => ({ ...c, extra: "dropped" })),
      ui_state: { screen: "search" },
    }),
  } as unknown as ConnectApi;
  const session = createSessionModel({ api, host: { send: (m) => sent.push(m) }, token: "t" });
  return { session, sent };
}

describe("session model", () => {
  it("loads the client, the connections as {name, id} and the saved UI state", async () => {
    const { session } = model();
    await session.load();
    expect(session.client.value).toEqual({ name: "Acme", primary_color: null, logo_url: null });
    expect(session.connections.value).toEqual([CLEVELAND]);
    expect(session.savedUiState.value).toEqual({ screen: "search" });
    expect(session.loaded.value).toBe(true);
  });

  it("accumulates session results across connects and disconnects, and sends each cumulative payload", async () => {
    const { session, sent } = model([]);
    await session.load();
    session.recordConnected({ ...STARFLEET, type: "pharmacy" } as typeof STARFLEET, [STARFLEET]);
    session.recordConnected(CLEVELAND, [STARFLEET, CLEVELAND]);
    const last = session.recordDisconnected(STARFLEET, [CLEVELAND]);
    expect(last).toEqual({
      status: "DISCONNECTED_SOURCE",
      sessionResults: { connectedSources: [STARFLEET, CLEVELAND], disconnectedSources: [STARFLEET] },
      currentConnections: [CLEVELAND],
    });
    expect(sent.map((m) => m.type)).toEqual(["connected", "connected", "disconnected"]);
    expect(sent[0]).toEqual({
      ns: "human-connect",
      v: 1,
      type: "connected",
      response: {
        status: "CONNECTED_SOURCE",
        sessionResults: { connectedSources: [STARFLEET], disconnectedSources: [] },
        currentConnections: [STARFLEET],
      },
    });
    expect(sent[1]).toMatchObject({
      response: { sessionResults: { connectedSources: [STARFLEET, CLEVELAND], disconnectedSources: [] } },
    });
  });

  it("lists a source once even when connected twice in a session", async () => {
    const { session } = model([]);
    session.recordConnected(STARFLEET, [STARFLEET]);
    session.recordDisconnected(STARFLEET, []);
    const r = session.recordConnected(STARFLEET, [STARFLEET]);
    expect(r.sessionResults).toEqual({ connectedSources: [STARFLEET], disconnectedSources: [STARFLEET] });
  });
});
