import { afterEach, describe, expect, it, vi } from "vitest";
import { connectToParent, type BridgeWindow } from "../../src/app/bridge.ts";
import { NAMESPACE, PROTOCOL_VERSION } from "../../src/protocol/messages.ts";

const PAGE = "https://customer.example";

function fakePort() {
  return { postMessage: vi.fn(), onmessage: null as ((e: MessageEvent) => void) | null };
}

function fakeFrame() {
  const listeners = new Set<(e: MessageEvent) => void>();
  const parent = { postMessage: vi.fn() };
  const win: BridgeWindow = {
    parent,
    addEventListener: (_t, l) => listeners.add(l),
    removeEventListener: (_t, l) => listeners.delete(l),
  };
  const deliver = (data: unknown, opts: { source?: unknown; origin?: string; ports?: unknown[] } = {}) =>
    [...listeners].forEach((l) =>
      l({ data, source: "source" in opts ? opts.source : parent, origin: opts.origin ?? PAGE, ports: opts.ports ?? [] } as unknown as MessageEvent),
    );
  return { win, parent, deliver, listenerCount: () => listeners.size };
}

const init = (extra: Record<string, unknown> = {}) => ({
  ns: NAMESPACE,
  v: PROTOCOL_VERSION,
  type: "init",
  token: "tok",
  options: { language: "es", clientId: "c1", clientUserId: "u1" },
  ...extra,
});

async function settled<T>(p: Promise<T>): Promise<T | "pending"> {
  return Promise.race([p, new Promise<"pending">((r) => setTimeout(() => r("pending"), 20))]);
}

afterEach(() => vi.restoreAllMocks());

describe("app side of the handshake", () => {
  it("says hello to the parent with '*' and nothing but the envelope", () => {
    const f = fakeFrame();
    connectToParent(f.win);
    expect(f.parent.postMessage).toHaveBeenCalledOnce();
    expect(f.parent.postMessage).toHaveBeenCalledWith({ ns: NAMESPACE, v: PROTOCOL_VERSION, type: "hello" }, "*");
  });

  it("accepts init from the parent with a port, and learns the parent origin from the event", async () => {
    const f = fakeFrame();
    const port = fakePort();
    const { host } = connectToParent(f.win);
    f.deliver(init(), { ports: [port] });
    const h = await host;
    expect(h.parentOrigin).toBe(PAGE);
    expect(h.token).toBe("tok");
    expect(h.options).toEqual({ language: "es", clientId: "c1", clientUserId: "u1" });
    expect(f.listenerCount()).toBe(0);
  });

  it.each([
    ["from another window", init(), { source: {} }],
    ["from no window", init(), { source: null }],
    ["a string", "init", {}],
    ["without a namespace", { ...init(), ns: undefined }, {}],
    ["from another namespace", { ...init(), ns: "penpal" }, {}],
    ["of an unknown type", { ...init(), type: "initialize" }, {}],
    ["of another type", { ns: NAMESPACE, v: PROTOCOL_VERSION, type: "close-request" }, {}],
    ["without a port", init(), { ports: [] }],
  ])("drops a message %s", async (_label, data, opts) => {
    const f = fakeFrame();
    const port = fakePort();
    const { host } = connectToParent(f.win);
    f.deliver(data, { ports: [port], ...opts });
    expect(await settled(host)).toBe("pending");
    expect(port.postMessage).not.toHaveBeenCalled();
    // Still listening: the real init is accepted afterwards.
    f.deliver(init(), { ports: [fakePort()] });
    expect(await settled(host)).not.toBe("pending");
  });

  it("on a version mismatch logs an error and closes over the port with PROTOCOL_VERSION_MISMATCH", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const f = fakeFrame();
    const port = fakePort();
    const { host } = connectToParent(f.win);
    f.deliver(init({ v: PROTOCOL_VERSION + 1 }), { ports: [port] });
    expect(error).toHaveBeenCalledOnce();
    expect(String(error.mock.calls[0]?.[0])).toMatch(/protocol version/);
    expect(port.postMessage).toHaveBeenCalledWith({
      ns: NAMESPACE,
      v: PROTOCOL_VERSION,
      type: "close",
      status: "PROTOCOL_VERSION_MISMATCH",
      currentConnections: [],
    });
    expect(await settled(host)).toBe("pending");
  });

  it("on a version mismatch without a port logs and does nothing else", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const f = fakeFrame();
    const { host } = connectToParent(f.win);
    f.deliver(init({ v: 99 }));
    expect(error).toHaveBeenCalledOnce();
    expect(f.parent.postMessage).toHaveBeenCalledTimes(1); // only the hello
    expect(await settled(host)).toBe("pending");
  });

  it("after init sends over the port and hears close-request there, ignoring foreign port messages", async () => {
    const f = fakeFrame();
    const port = fakePort();
    const { host } = connectToParent(f.win);
    f.deliver(init(), { ports: [port] });
    const h = await host;
    const onClose = vi.fn();
    h.onCloseRequest(onClose);
    h.send({ ns: NAMESPACE, v: PROTOCOL_VERSION, type: "ready", currentConnections: [] });
    expect(port.postMessage).toHaveBeenCalledWith({ ns: NAMESPACE, v: PROTOCOL_VERSION, type: "ready", currentConnections: [] });
    expect(f.parent.postMessage).toHaveBeenCalledTimes(1);
    port.onmessage?.({ data: { type: "close-request" } } as MessageEvent);
    port.onmessage?.({ data: { ns: "other", v: PROTOCOL_VERSION, type: "close-request" } } as MessageEvent);
    expect(onClose).not.toHaveBeenCalled();
    port.onmessage?.({ data: { ns: NAMESPACE, v: PROTOCOL_VERSION, type: "close-request" } } as MessageEvent);
    expect(onClose).toHaveBeenCalledOnce();
  });

  it("ignores a second init once the handshake is done", async () => {
    const f = fakeFrame();
    const { host } = connectToParent(f.win);
    f.deliver(init(), { ports: [fakePort()] });
    const h = await host;
    f.deliver(init({ token: "other" }), { ports: [fakePort()] });
    expect(h.token).toBe("tok");
  });

  it("keeps only known string options", async () => {
    const f = fakeFrame();
    const { host } = connectToParent(f.win);
    f.deliver(init({ token: 42, options: { language: 5, clientId: "c", onClose: "x" } }), { ports: [fakePort()] });
    const h = await host;
    expect(h.token).toBe("");
    expect(h.options).toEqual({ clientId: "c" });
  });
});
