import { signal } from "@preact/signals";
import { describe, expect, it } from "vitest";
import type { ConnectApi } from "../../src/app/api.ts";
import type { ConnectFlowModel, Screen } from "../../src/app/models/connect-flow.ts";
import type { SearchModel } from "../../src/app/models/search.ts";
import { createUiStateModel } from "../../src/app/models/ui-state.ts";
import type { MfaChallenge, SourceType, UiState } from "../../src/protocol/connect-api.ts";

function setup() {
  const saves: Array<{ state: UiState; done: () => void }> = [];
  const api = {
    saveUiState: (state: UiState) => new Promise<void>((resolve) => saves.push({ state, done: resolve })),
  } as unknown as ConnectApi;
  const flow = {
    screen: signal<Screen>("search"),
    sourceId: signal<string | null>(null),
    challenge: signal<MfaChallenge | null>(null),
  } as unknown as ConnectFlowModel;
  const search = { query: signal(""), type: signal<SourceType | null>(null) } as unknown as SearchModel;
  const model = createUiStateModel({ api, flow, search, debounceMs: 10_000 });
  return { saves, flow, search, model };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe("UI state model", () => {
  it("saves one step at a time, so the service ends with the latest step", async () => {
    const { saves, flow, model } = setup();
    const stop = model.start();
    await tick();
    expect(saves.map((s) => s.state.screen)).toEqual(["search"]);
    flow.sourceId.value = "5b1daf3f079c652eaf41fd23";
    flow.screen.value = "source";
    await tick();
    flow.screen.value = "credentials";
    await tick();
    // The first save is still in flight: nothing else has been sent yet.
    expect(saves).toHaveLength(1);
    saves[0]!.done();
    await tick();
    expect(saves.map((s) => s.state.screen)).toEqual(["search", "credentials"]);
    stop();
  });

  it("debounces query changes but flushes them on demand", async () => {
    const { saves, search, model } = setup();
    const stop = model.start();
    await tick();
    saves[0]!.done();
    search.query.value = "cle";
    search.query.value = "clev";
    await tick();
    expect(saves).toHaveLength(1);
    void model.flush();
    await tick();
    expect(saves.map((s) => s.state.query)).toEqual(["", "clev"]);
    stop();
  });

  it("keeps the MFA challenge only on the MFA step", async () => {
    const { saves, flow, model } = setup();
    const stop = model.start();
    flow.challenge.value = { challenge_id: "ch", prompt: "p", expires_in: 60 };
    flow.screen.value = "mfa";
    await tick();
    expect(saves[0]!.state).toEqual({
      screen: "mfa",
      sourceId: null,
      query: "",
      type: null,
      challenge: { challenge_id: "ch", prompt: "p", expires_in: 60 },
    });
    stop();
  });
});
