// @vitest-environment happy-dom
// The testing kit against the real loader: the same session driven through both gives the very same payloads, for
// every callback and every close status. (The kit's types are checked with the real ones in test/types.)
import { afterEach, describe, expect, test, vi } from "vitest";
import { NAMESPACE, PROTOCOL_VERSION } from "../../src/protocol/messages.ts";
import { addSessionChange, CLOSE_STATUSES, emptySessionResults, type CloseStatus, type ConnectSource, type SessionResults } from "../../src/protocol/results.ts";
import { createFakeConnect, type FakeConnect } from "../../src/testing/index.ts";
import type { HumanConnectApi, OpenOptions } from "../../src/loader/index.ts";

const APP = "http://connect.test:8080";
const starfleet: ConnectSource = { name: "Starfleet Pharmacy", id: "5b1daf3f079c652eaf41fd23" };
const cleveland: ConnectSource = { name: "Cleveland Clinic", id: "54dc427aaa6b4cb7d6203061" };
const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

type Step = ["ready"] | ["connect", ConnectSource] | ["disconnect", ConnectSource] | ["event", string, Record<string, string>] | ["close", CloseStatus];

function recorder() {
  const seen: [string, unknown][] = [];
  const rec = (name: string) => (arg?: unknown) => seen.push([name, arg === undefined ? null : arg]);
  const options: Omit<OpenOptions, "token"> = {
    onReady: rec("onReady"),
    onConnectSource: rec("onConnectSource"),
    onDisconnectSource: rec("onDisconnectSource"),
    onEvent: rec("onEvent"),
    onClose: rec("onClose"),
  };
  return { seen, options };
}

// The real loader, with the app's side of the port played from the same steps the way the app sends them.
async function throughLoader(steps: Step[], connections: ConnectSource[]): Promise<[string, unknown][]> {
  vi.resetModules();
  const HC: HumanConnectApi = (await import("../../src/loader/index.ts")).default;
  const { seen, options } = recorder();
  HC.open({ token: "tok", baseUrl: APP, ...options });
  const frame = document.querySelector("iframe")!;
  const win = { postMessage: vi.fn() };
  Object.defineProperty(frame, "contentWindow", { value: win, configurable: true });
  window.dispatchEvent(new MessageEvent("message", { data: { ns: NAMESPACE, v: PROTOCOL_VERSION, type: "hello" }, origin: APP, source: win as never }));
  const port: MessagePort = win.postMessage.mock.calls[0]![2][0];
  const send = async (body: object) => {
    port.postMessage({ ns: NAMESPACE, v: PROTOCOL_VERSION, ...body });
    await tick();
  };
  let results: SessionResults = emptySessionResults();
  let current = [...connections];
  for (const step of steps) {
    if (step[0] == "ready") await send({ type: "ready", currentConnections: current });
    else if (step[0] == "connect" || step[0] == "disconnect") {
      const source = step[1];
      results = addSessionChange(results, { action: step[0] == "connect" ? "connected" : "disconnected", source });
      current = step[0] == "connect" ? [...current.filter((c) => c.id != source.id), source] : current.filter((c) => c.id != source.id);
      const status = step[0] == "connect" ? "CONNECTED_SOURCE" : "DISCONNECTED_SOURCE";
      await send({ type: step[0] + "ed", response: { status, sessionResults: results, currentConnections: current } });
    } else if (step[0] == "event") await send({ type: "event", event: { name: step[1], timestamp: 1_700_000_000_000, data: step[2] } });
    else await send({ type: "close", status: step[1], currentConnections: step[1] == "SUCCESS" ? current : [] });
  }
  port.close();
  return seen;
}

// The fake, driven by the same steps.
function throughFake(steps: Step[], connections: ConnectSource[]): [string, unknown][] {
  const fake: FakeConnect = createFakeConnect({ connections, now: () => 1_700_000_000_000 });
  const { seen, options } = recorder();
  fake.open({ token: "tok", ...options });
  for (const step of steps) {
    if (step[0] == "ready") fake.ready();
    else if (step[0] == "connect") fake.connectSource(step[1]);
    else if (step[0] == "disconnect") fake.disconnectSource(step[1]);
    else if (step[0] == "event") fake.event(step[1] as "SEARCH", step[2]);
    else fake.finish(step[1]);
  }
  return seen;
}

afterEach(() => {
  document.body.replaceChildren();
});

describe("createFakeConnect", () => {
  test("a whole session: the same payloads as the real loader, in the same order", async () => {
    const steps: Step[] = [
      ["ready"],
      ["event", "SEARCH", { query: "star" }],
      ["connect", starfleet],
      ["disconnect", cleveland],
      ["connect", cleveland],
      ["close", "SUCCESS"],
    ];
    const fake = throughFake(steps, [cleveland]);
    expect(fake).toStrictEqual(await throughLoader(steps, [cleveland]));
    expect(fake.map((c) => c[0])).toStrictEqual(["onReady", "onEvent", "onConnectSource", "onDisconnectSource", "onConnectSource", "onClose"]);
    expect(fake.at(-1)![1]).toStrictEqual({
      status: "SUCCESS",
      sessionResults: { connectedSources: [starfleet, cleveland], disconnectedSources: [cleveland] },
      currentConnections: [starfleet, cleveland],
    });
  });

  test.each(CLOSE_STATUSES)("onClose with %s: the same payload as the real loader", async (status) => {
    const steps: Step[] = [["ready"], ["connect", starfleet], ["close", status]];
    expect(throughFake(steps, [])).toStrictEqual(await throughLoader(steps, []));
  });

  test("without a token: onClose with MISSING_SESSION_TOKEN and empty arrays, asynchronously, as the real loader", async () => {
    const fake = createFakeConnect();
    const onClose = vi.fn();
    const handle = fake.open({ token: "", onClose });
    expect(onClose).not.toHaveBeenCalled();
    await expect(handle.ready).rejects.toThrow("MISSING_SESSION_TOKEN");
    expect(onClose.mock.calls[0]![0]).toStrictEqual({
      status: "MISSING_SESSION_TOKEN",
      sessionResults: { connectedSources: [], disconnectedSources: [] },
      currentConnections: [],
    });
    expect(fake.isOpen).toBe(false);
  });

  test("the handle and HumanConnect.close() close it with SUCCESS; ready follows the steps; steps need an open Connect", async () => {
    const fake = createFakeConnect();
    const onClose = vi.fn();
    const handle = fake.open({ token: "tok", clientId: "c1", onClose });
    expect(fake.options?.clientId).toBe("c1");
    expect(fake.open({ token: "again" })).toBe(handle);
    fake.ready();
    await handle.ready;
    handle.close();
    expect(onClose.mock.calls[0]![0].status).toBe("SUCCESS");
    expect(fake.isOpen).toBe(false);
    expect(() => fake.connectSource(starfleet)).toThrow(/not open/);

    const second = fake.open({ token: "tok", onClose });
    fake.close();
    await expect(second.ready).rejects.toThrow("SUCCESS");
    expect(onClose).toHaveBeenCalledTimes(2);
    expect(fake.opened).toHaveLength(2);
    fake.preload({ clientId: "c1" });
    expect(fake.preloaded).toStrictEqual([{ clientId: "c1" }]);
  });
});
