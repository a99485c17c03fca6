// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { NAMESPACE, OAUTH_RETURN_PARAM, PROTOCOL_VERSION } from "../../src/protocol/messages.ts";
import type { ConnectSource } from "../../src/protocol/results.ts";
import { CLOSE_GRACE_MS, LOAD_TIMEOUT_MS } from "../../src/loader/connect.ts";
import type { HumanConnectApi, OpenOptions } from "../../src/loader/index.ts";

// happy-dom does not load iframe pages, so the Connect app's window is stood in for by an object that records what
// the loader posts to it; the real two-origin exchange is covered by the end-to-end suite.
const APP = "http://connect.test:8080";
const starfleet: ConnectSource = { name: "Starfleet Pharmacy", id: "5b1daf3f079c652eaf41fd23" };
const cleveland: ConnectSource = { name: "Cleveland Clinic", id: "54dc427aaa6b4cb7d6203061" };
// Long enough for a MessageChannel message to arrive on a busy machine.
const tick = (ms = 15) => new Promise((r) => setTimeout(r, ms));

const entries: [string, () => Promise<HumanConnectApi>][] = [
  [
    "npm entry (index.ts)",
    async () => {
      vi.resetModules();
      return (await import("../../src/loader/index.ts")).default;
    },
  ],
  [
    "script tag (window.HumanConnect)",
    async () => {
      vi.resetModules();
      delete window.HumanConnect;
      await import("../../src/loader/script-tag.ts");
      return window.HumanConnect!;
    },
  ],
];

interface FakeApp {
  win: { postMessage: ReturnType<typeof vi.fn> };
  frame: HTMLIFrameElement;
  port?: MessagePort;
}

// Listeners on window, counted to prove that closing removes every one the loader added.
const live = new Map<string, number>();
const realAdd = window.addEventListener.bind(window);
const realRemove = window.removeEventListener.bind(window);

beforeEach(() => {
  live.clear();
  vi.spyOn(window, "addEventListener").mockImplementation((type: string, l: any, o?: any) => {
    live.set(type, (live.get(type) ?? 0) + 1);
    realAdd(type, l, o);
  });
  vi.spyOn(window, "removeEventListener").mockImplementation((type: string, l: any, o?: any) => {
    live.set(type, (live.get(type) ?? 0) - 1);
    realRemove(type, l, o);
  });
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  document.body.replaceChildren();
  document.head.replaceChildren();
});

describe.each(entries)("%s", (_name, load) => {
  let HC: HumanConnectApi;
  const apps: FakeApp[] = [];

  beforeEach(async () => {
    HC = await load();
  });
  afterEach(() => {
    HC.close();
    for (const a of apps.splice(0)) a.port?.close();
  });

  function attachApp(selector = "dialog iframe"): FakeApp {
    const frame = document.querySelector(selector) as HTMLIFrameElement;
    expect(frame).not.toBeNull();
    const win = { postMessage: vi.fn() };
    Object.defineProperty(frame, "contentWindow", { value: win, configurable: true });
    const app: FakeApp = { win, frame };
    apps.push(app);
    return app;
  }

  function post(data: unknown, origin: string, source: unknown) {
    window.dispatchEvent(new MessageEvent("message", { data, origin, source: source as Window }));
  }

  async function handshake(app: FakeApp, ready = true) {
    post({ ns: NAMESPACE, v: PROTOCOL_VERSION, type: "hello" }, APP, app.win);
    expect(app.win.postMessage).toHaveBeenCalledTimes(1);
    const [, , transfer] = app.win.postMessage.mock.calls[0]!;
    app.port = transfer[0];
    if (ready) await send(app, { type: "ready", currentConnections: [] });
  }

  async function send(app: FakeApp, body: Record<string, unknown>) {
    app.port!.postMessage({ ns: NAMESPACE, v: PROTOCOL_VERSION, ...body });
    await tick();
  }

  function openWith(extra: Partial<OpenOptions> = {}) {
    const calls = { onClose: vi.fn(), onConnectSource: vi.fn(), onDisconnectSource: vi.fn(), onEvent: vi.fn(), onReady: vi.fn() };
    const handle = HC.open({ token: "tok_secret", baseUrl: APP, ...calls, ...extra });
    return { handle, calls };
  }

  test("without a token nothing is loaded and onClose gets MISSING_SESSION_TOKEN asynchronously", async () => {
    const onClose = vi.fn();
    const handle = HC.open({ token: "", onClose, baseUrl: APP });
    expect(onClose).not.toHaveBeenCalled();
    expect(document.querySelector("dialog, iframe, style")).toBeNull();
    await expect(handle.ready).rejects.toThrow("MISSING_SESSION_TOKEN");
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(onClose.mock.calls[0]![0]).toStrictEqual({
      status: "MISSING_SESSION_TOKEN",
      sessionResults: { connectedSources: [], disconnectedSources: [] },
      currentConnections: [],
    });
    expect(document.querySelector("dialog, iframe, style")).toBeNull();
  });

  test("the app URL names the client the page gave last, so the service can send frame-ancestors", () => {
    openWith({ clientId: "client-a" });
    HC.close();
    document.body.replaceChildren();
    openWith();
    expect(document.querySelector("iframe")!.getAttribute("src")).toBe(`${APP}/connect?client_id=client-a`);
  });

  test("a client id given to preload() names the app URL of a later open() without one, which adopts the preloaded app", () => {
    HC.preload({ baseUrl: APP, clientId: "client-p" });
    const warmDialog = document.querySelector("dialog")!;
    openWith();
    expect(document.querySelectorAll("iframe")).toHaveLength(1);
    expect(document.querySelector("dialog")).toBe(warmDialog);
    expect(warmDialog.open).toBe(true);
    expect(document.querySelector("iframe")!.getAttribute("src")).toBe(`${APP}/connect?client_id=client-p`);
  });

  test("a client id given to open() replaces the one given before", () => {
    openWith({ clientId: "client-a" });
    HC.close();
    document.body.replaceChildren();
    openWith({ clientId: "client-b" });
    HC.close();
    document.body.replaceChildren();
    openWith();
    expect(document.querySelector("iframe")!.getAttribute("src")).toBe(`${APP}/connect?client_id=client-b`);
  });

  test("opens a modal dialog with a titled iframe on the app URL; the token is not in it", () => {
    openWith({ clientId: "client 1", language: "es" });
    const dialog = document.querySelector("dialog")!;
    expect(dialog.open).toBe(true);
    const frame = dialog.querySelector("iframe")!;
    expect(frame.title).toBe("Connect your health data");
    expect(frame.getAttribute("src")).toBe(`${APP}/connect?client_id=client+1&lang=es`);
    expect(frame.getAttribute("src")).not.toContain("tok_secret");
    expect(document.documentElement.style.overflow).toBe("hidden");
  });

  test("a redirect sign-in's return: the fragment is stripped at once and handed to the app with the page's address", async () => {
    const page = location.href.split("#")[0]!;
    history.replaceState(null, "", `${page}?q=1#${OAUTH_RETURN_PARAM}=oa_abcdefgh12345678.${"s".repeat(43)}`);
    try {
      openWith({ oauthRedirect: true });
      expect(location.hash).toBe("");
      expect(location.href).toBe(`${page}?q=1`);
      const app = attachApp();
      await handshake(app, false);
      expect(app.win.postMessage.mock.calls[0]![0].options).toMatchObject({
        oauthRedirect: true,
        returnUrl: `${page}?q=1`,
        oauthReturn: `oa_abcdefgh12345678.${"s".repeat(43)}`,
      });
      await send(app, { type: "close", status: "SUCCESS", currentConnections: [] });
    } finally {
      history.replaceState(null, "", page);
    }
    // Any other fragment is the page's own: left alone and never handed over.
    history.replaceState(null, "", `${page}#section-2`);
    try {
      openWith();
      expect(location.hash).toBe("#section-2");
      const app = attachApp();
      await handshake(app, false);
      expect(app.win.postMessage.mock.calls[0]![0].options.oauthReturn).toBeUndefined();
      expect(app.win.postMessage.mock.calls[0]![0].options.returnUrl).toBe(page);
    } finally {
      history.replaceState(null, "", page);
    }
  });

  test("navigate: followed only to the Connect service's origin, after closing Connect without onClose", async () => {
    const assign = vi.spyOn(location, "assign").mockImplementation(() => undefined);
    const overflow = document.documentElement.style.overflow;
    const { calls } = openWith();
    const app = attachApp();
    await handshake(app);
    for (const url of ["https://evil.example/x", "javascript:alert(1)", 42, null, `${APP}.evil.example/x`]) {
      await send(app, { type: "navigate", url });
    }
    expect(assign).not.toHaveBeenCalled();
    expect(document.querySelector("dialog")).not.toBeNull();
    await send(app, { type: "navigate", url: `${APP}/sandbox/oauth/authorize?state=x` });
    expect(assign).toHaveBeenCalledWith(`${APP}/sandbox/oauth/authorize?state=x`);
    expect(document.querySelector("dialog")).toBeNull();
    expect(document.documentElement.style.overflow).toBe(overflow);
    expect(calls.onClose).not.toHaveBeenCalled();
    expect(live.get("message") ?? 0).toBe(0);
  });

  test("handshake: init goes to the exact app origin with a port, then callbacks get the documented payloads", async () => {
    const { handle, calls } = openWith({ clientId: "c1", clientUserId: "u1" });
    const app = attachApp();
    await handshake(app, false);
    const [init, targetOrigin, transfer] = app.win.postMessage.mock.calls[0]!;
    expect(targetOrigin).toBe(APP);
    expect(init).toStrictEqual({
      ns: NAMESPACE,
      v: PROTOCOL_VERSION,
      type: "init",
      token: "tok_secret",
      options: {
        clientId: "c1",
        clientUserId: "u1",
        language: undefined,
        oauthRedirect: undefined,
        sourceId: undefined,
        pinnedSources: undefined,
        inline: false,
        returnUrl: location.href,
        oauthReturn: undefined,
      },
    });
    expect(transfer).toHaveLength(1);

    await send(app, { type: "ready", currentConnections: [cleveland] });
    await handle.ready;
    expect(calls.onReady).toHaveBeenCalledTimes(1);

    const event = { name: "SEARCH", timestamp: 1700000000000, data: { query: "star" } };
    await send(app, { type: "event", event });
    expect(calls.onEvent).toHaveBeenCalledWith(event);

    const afterConnect = { connectedSources: [starfleet], disconnectedSources: [] };
    await send(app, {
      type: "connected",
      response: { status: "CONNECTED_SOURCE", sessionResults: afterConnect, currentConnections: [cleveland, starfleet] },
    });
    expect(calls.onConnectSource.mock.calls[0]![0]).toStrictEqual({
      status: "CONNECTED_SOURCE",
      sessionResults: afterConnect,
      currentConnections: [cleveland, starfleet],
    });

    const afterDisconnect = { connectedSources: [starfleet], disconnectedSources: [cleveland] };
    await send(app, {
      type: "disconnected",
      response: { status: "DISCONNECTED_SOURCE", sessionResults: afterDisconnect, currentConnections: [starfleet] },
    });
    expect(calls.onDisconnectSource.mock.calls[0]![0]).toStrictEqual({
      status: "DISCONNECTED_SOURCE",
      sessionResults: afterDisconnect,
      currentConnections: [starfleet],
    });

    await send(app, { type: "close", status: "SUCCESS", currentConnections: [starfleet] });
    expect(calls.onClose).toHaveBeenCalledTimes(1);
    expect(calls.onClose.mock.calls[0]![0]).toStrictEqual({
      status: "SUCCESS",
      sessionResults: afterDisconnect,
      currentConnections: [starfleet],
    });
    expect(document.querySelector("dialog")).toBeNull();
  });

  test("the guard drops a hello from a wrong origin, a wrong source or a wrong namespace", async () => {
    const { calls } = openWith();
    const app = attachApp();
    post({ ns: NAMESPACE, v: PROTOCOL_VERSION, type: "hello" }, "http://evil.test", app.win);
    post({ ns: NAMESPACE, v: PROTOCOL_VERSION, type: "hello" }, APP, window);
    post({ ns: NAMESPACE, v: PROTOCOL_VERSION, type: "hello" }, APP, null);
    post({ ns: "other", v: PROTOCOL_VERSION, type: "hello" }, APP, app.win);
    post("hello", APP, app.win);
    // App messages are only read from the private port, never from window, even from the right origin and source.
    for (const type of ["connected", "close", "ready"]) {
      post({ ns: NAMESPACE, v: PROTOCOL_VERSION, type, status: "SUCCESS", currentConnections: [] }, APP, app.win);
    }
    await tick();
    expect(app.win.postMessage).not.toHaveBeenCalled();
    for (const f of Object.values(calls)) expect(f).not.toHaveBeenCalled();
    expect(document.querySelector("dialog")?.open).toBe(true);

    await handshake(app);
    // Foreign data on the port is dropped too.
    app.port!.postMessage({ ns: "other", v: 1, type: "close", status: "SUCCESS" });
    app.port!.postMessage({ type: "close", status: "SUCCESS" });
    await tick();
    expect(calls.onClose).not.toHaveBeenCalled();
    expect(calls.onReady).toHaveBeenCalledTimes(1);
  });

  test("a protocol version mismatch is reported with console.error and closes with PROTOCOL_VERSION_MISMATCH", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const { handle, calls } = openWith();
    const app = attachApp();
    post({ ns: NAMESPACE, v: PROTOCOL_VERSION + 1, type: "hello" }, APP, app.win);
    expect(error.mock.calls[0]![0]).toMatch(/protocol version mismatch/);
    expect(app.win.postMessage).not.toHaveBeenCalled();
    await expect(handle.ready).rejects.toThrow("PROTOCOL_VERSION_MISMATCH");
    expect(calls.onClose.mock.calls[0]![0].status).toBe("PROTOCOL_VERSION_MISMATCH");
    expect(document.querySelector("dialog")).toBeNull();
  });

  test("a callback that throws is reported with console.error and breaks nothing", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const boom = () => {
      throw new Error("page bug");
    };
    const onClose = vi.fn();
    openWith({ onReady: boom, onConnectSource: boom, onEvent: boom, onClose });
    const app = attachApp();
    await handshake(app);
    await send(app, { type: "event", event: { name: "OPEN", timestamp: 1, data: {} } });
    await send(app, {
      type: "connected",
      response: { status: "CONNECTED_SOURCE", sessionResults: { connectedSources: [starfleet], disconnectedSources: [] }, currentConnections: [starfleet] },
    });
    expect(error).toHaveBeenCalledTimes(3);
    expect(error.mock.calls[0]![1]).toBeInstanceOf(Error);
    await send(app, { type: "close", status: "SUCCESS", currentConnections: [starfleet] });
    expect(onClose.mock.calls[0]![0].sessionResults.connectedSources).toStrictEqual([starfleet]);

    // And an onClose that throws still leaves the page clean and Connect usable.
    const handle = HC.open({ token: "t", baseUrl: APP, onClose: boom });
    handle.close();
    expect(error).toHaveBeenCalledTimes(4);
    expect(document.querySelector("dialog, style")).toBeNull();
    HC.open({ token: "t", baseUrl: APP });
    expect(document.querySelectorAll("dialog")).toHaveLength(1);
  });

  test("a second open() while open warns once, focuses the open one and adds nothing", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const first = openWith().handle;
    const second = HC.open({ token: "other", baseUrl: APP });
    HC.open({ token: "other", baseUrl: APP });
    expect(second).toBe(first);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toMatch(/already open/);
    expect(document.querySelectorAll("dialog")).toHaveLength(1);
    expect(document.querySelectorAll("iframe")).toHaveLength(1);
    expect(document.activeElement).toBe(document.querySelector("iframe"));
  });

  test("close() asks the app, which answers with its status; Escape (cancel) does the same", async () => {
    const { handle, calls } = openWith();
    const app = attachApp();
    await handshake(app);
    const received: unknown[] = [];
    app.port!.onmessage = (e) => received.push(e.data);
    const cancel = new Event("cancel", { cancelable: true });
    document.querySelector("dialog")!.dispatchEvent(cancel);
    expect(cancel.defaultPrevented).toBe(true);
    handle.close();
    await tick();
    expect(received).toStrictEqual([{ ns: NAMESPACE, v: PROTOCOL_VERSION, type: "close-request" }]);
    await send(app, { type: "close", status: "SUCCESS", currentConnections: [cleveland] });
    expect(calls.onClose.mock.calls[0]![0]).toStrictEqual({
      status: "SUCCESS",
      sessionResults: { connectedSources: [], disconnectedSources: [] },
      currentConnections: [cleveland],
    });
  });

  test("close() falls back to what the page has when the app does not answer", async () => {
    const { handle, calls } = openWith();
    const app = attachApp();
    await handshake(app, false);
    await send(app, { type: "ready", currentConnections: [cleveland] });
    handle.close();
    await tick(CLOSE_GRACE_MS / 2);
    expect(calls.onClose).not.toHaveBeenCalled();
    await tick(CLOSE_GRACE_MS);
    expect(calls.onClose.mock.calls[0]![0]).toStrictEqual({
      status: "SUCCESS",
      sessionResults: { connectedSources: [], disconnectedSources: [] },
      currentConnections: [cleveland],
    });
  });

  test("an app that never says hello closes Connect with CONNECT_UNAVAILABLE", async () => {
    vi.useFakeTimers();
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const { handle, calls } = openWith();
    vi.advanceTimersByTime(LOAD_TIMEOUT_MS - 1);
    expect(calls.onClose).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(calls.onClose.mock.calls[0]![0].status).toBe("CONNECT_UNAVAILABLE");
    expect(error.mock.calls[0]![0]).toMatch(/did not load/);
    await expect(handle.ready).rejects.toThrow("CONNECT_UNAVAILABLE");
    expect(document.querySelector("dialog")).toBeNull();
  });

  test("100 open/close cycles leave nothing behind; focus and scroll lock are restored", async () => {
    const opener = document.createElement("button");
    document.body.append(opener);
    opener.focus();
    document.documentElement.style.overflow = "scroll";
    const nodes = document.querySelectorAll("*").length;
    const onClose = vi.fn();
    for (let i = 0; i < 100; i++) {
      const handle = HC.open({ token: "t", baseUrl: APP, onClose });
      expect(document.documentElement.style.overflow).toBe("hidden");
      if (i % 2) {
        const app = attachApp();
        await handshake(app);
        await send(app, { type: "close", status: "SUCCESS", currentConnections: [] });
      } else {
        handle.close();
      }
      expect(document.querySelectorAll("*").length).toBe(nodes);
      expect(document.activeElement).toBe(opener);
    }
    expect(onClose).toHaveBeenCalledTimes(100);
    expect(document.documentElement.style.overflow).toBe("scroll");
    expect(document.querySelector("dialog, iframe, style")).toBeNull();
    for (const [type, count] of live) expect([type, count]).toStrictEqual([type, 0]);
    expect(live.get("message")).toBe(0);
  });

  test("preload() loads the app hidden, without a token, and the next open() adopts it without reloading", async () => {
    HC.preload({ baseUrl: APP + "/", clientId: "c1" });
    HC.preload({ baseUrl: APP + "/", clientId: "c1" });
    expect(document.querySelectorAll("dialog")).toHaveLength(1);
    const warmDialog = document.querySelector("dialog")!;
    expect(warmDialog.open).toBe(false);
    const app = attachApp();
    expect(app.frame.getAttribute("src")).toBe(`${APP}/connect?client_id=c1`);
    // The app says hello while nobody has opened Connect yet: no token goes anywhere.
    post({ ns: NAMESPACE, v: PROTOCOL_VERSION, type: "hello" }, APP, app.win);
    expect(app.win.postMessage).not.toHaveBeenCalled();

    const { handle, calls } = openWith({ baseUrl: APP + "/", clientId: "c1" });
    expect(document.querySelectorAll("dialog, iframe")).toHaveLength(2);
    expect(document.querySelector("dialog")).toBe(warmDialog);
    expect(warmDialog.open).toBe(true);
    expect(app.win.postMessage).toHaveBeenCalledTimes(1);
    const [msg, origin, transfer] = app.win.postMessage.mock.calls[0]!;
    expect(origin).toBe(APP);
    expect(msg).toMatchObject({ type: "init", token: "tok_secret" });
    app.port = transfer[0];
    await send(app, { type: "ready", currentConnections: [] });
    await handle.ready;
    expect(calls.onReady).toHaveBeenCalledTimes(1);
    handle.close();
    await send(app, { type: "close", status: "SUCCESS", currentConnections: [] });
    expect(document.querySelector("dialog, iframe, style")).toBeNull();
  });

  test("inline mode: the iframe fills the page's container; no dialog, no scroll lock, the same callbacks", async () => {
    const container = document.createElement("section");
    container.id = "connect-here";
    const before = document.createElement("p");
    container.append(before);
    document.body.append(container);
    document.documentElement.style.overflow = "";
    const { handle, calls } = openWith({ container: "#connect-here", pinnedSources: ["5b1daf3f079c652eaf41fd23"] });
    expect(document.querySelector("dialog")).toBeNull();
    expect(document.documentElement.style.overflow).toBe("");
    const frame = container.querySelector("iframe")!;
    expect([...container.children]).toStrictEqual([before, frame]);
    expect(frame.title).toBe("Connect your health data");
    expect(frame.className).toBe("hc-frame");
    expect(document.activeElement).toBe(frame);
    const app = attachApp("#connect-here iframe");
    await handshake(app, false);
    expect(app.win.postMessage.mock.calls[0]![0].options).toMatchObject({ inline: true, pinnedSources: ["5b1daf3f079c652eaf41fd23"] });
    await send(app, { type: "ready", currentConnections: [] });
    await handle.ready;
    await send(app, {
      type: "connected",
      response: { status: "CONNECTED_SOURCE", sessionResults: { connectedSources: [starfleet], disconnectedSources: [] }, currentConnections: [starfleet] },
    });
    expect(calls.onConnectSource.mock.calls[0]![0]).toStrictEqual({
      status: "CONNECTED_SOURCE",
      sessionResults: { connectedSources: [starfleet], disconnectedSources: [] },
      currentConnections: [starfleet],
    });
    // A reloaded app (a crash) says hello again and is handed a fresh port: Connect resumes in place.
    app.win.postMessage.mockClear();
    await handshake(app, false);
    expect(app.win.postMessage.mock.calls[0]![0]).toMatchObject({ type: "init", token: "tok_secret", options: { inline: true } });
    await send(app, { type: "ready", currentConnections: [starfleet] });
    expect(calls.onReady).toHaveBeenCalledTimes(1);
    handle.close();
    await send(app, { type: "close", status: "SUCCESS", currentConnections: [starfleet] });
    expect(calls.onClose.mock.calls[0]![0]).toStrictEqual({
      status: "SUCCESS",
      sessionResults: { connectedSources: [starfleet], disconnectedSources: [] },
      currentConnections: [starfleet],
    });
    expect([...container.children]).toStrictEqual([before]);
    expect(live.get("message") ?? 0).toBe(0);
  });

  test("inline mode takes an element too; a selector that matches nothing closes with CONNECT_UNAVAILABLE and adds nothing", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const missing = openWith({ container: "#nowhere" });
    await expect(missing.handle.ready).rejects.toThrow("CONNECT_UNAVAILABLE");
    expect(error.mock.calls[0]![0]).toMatch(/#nowhere/);
    const invalid = openWith({ container: "##not a selector" });
    await expect(invalid.handle.ready).rejects.toThrow("CONNECT_UNAVAILABLE");
    expect(error.mock.calls[1]![0]).toMatch(/matches container ##not a selector/);
    expect(missing.calls.onClose.mock.calls[0]![0].status).toBe("CONNECT_UNAVAILABLE");
    expect(document.querySelector("iframe, dialog")).toBeNull();
    expect(document.adoptedStyleSheets).toHaveLength(0);

    const el = document.createElement("div");
    document.body.append(el);
    const { handle, calls } = openWith({ container: el });
    expect(el.querySelector("iframe")).not.toBeNull();
    handle.close();
    expect(el.children).toHaveLength(0);
    expect(calls.onClose).toHaveBeenCalledTimes(1);
  });

  test("styles come from one constructed style sheet, adopted while Connect is open: no <style>, nothing inline", () => {
    const { handle } = openWith();
    expect(document.querySelector("style, [style]:not(html)")).toBeNull();
    expect(document.adoptedStyleSheets).toHaveLength(1);
    const rules = [...document.adoptedStyleSheets[0]!.cssRules].map((r) => r.cssText).join("\n");
    expect(rules).toContain(".hc-connect");
    expect(rules).toContain(".hc-frame");
    handle.close();
    expect(document.adoptedStyleSheets).toHaveLength(0);
    openWith().handle.close();
    expect(document.adoptedStyleSheets).toHaveLength(0);
  });

  test("a preloaded app for another URL is left alone; open() builds its own", () => {
    HC.preload({ baseUrl: APP, clientId: "other" });
    openWith({ clientId: "another" });
    expect(document.querySelectorAll("dialog")).toHaveLength(2);
    expect([...document.querySelectorAll("dialog")].filter((d) => d.open)).toHaveLength(1);
  });
});

describe("script-tag defaults", () => {
  test("baseUrl defaults to where connect.js was loaded from", async () => {
    vi.resetModules();
    delete window.HumanConnect;
    Object.defineProperty(document, "currentScript", { value: { src: "http://svc.test:8080/connect.js?v=1", dataset: {} }, configurable: true });
    await import("../../src/loader/script-tag.ts");
    Object.defineProperty(document, "currentScript", { value: null, configurable: true });
    window.HumanConnect!.open({ token: "t" });
    expect(document.querySelector("iframe")!.getAttribute("src")).toBe("http://svc.test:8080/connect");
    window.HumanConnect!.close();
  });

  test("a second copy of connect.js keeps the first HumanConnect", async () => {
    vi.resetModules();
    delete window.HumanConnect;
    await import("../../src/loader/script-tag.ts");
    const first = window.HumanConnect;
    vi.resetModules();
    await import("../../src/loader/script-tag.ts");
    expect(window.HumanConnect).toBe(first);
  });
});

describe("the script tag's data-client-id", () => {
  test("names the client of every app URL when open() passes none", async () => {
    vi.resetModules();
    delete window.HumanConnect;
    const script = document.createElement("script");
    script.src = `${APP}/connect.js`;
    script.dataset.clientId = "tagged-client";
    Object.defineProperty(document, "currentScript", { value: script, configurable: true });
    try {
      await import("../../src/loader/script-tag.ts");
    } finally {
      Object.defineProperty(document, "currentScript", { value: null, configurable: true });
    }
    window.HumanConnect!.open({ token: "tok_secret" });
    expect(document.querySelector("iframe")!.getAttribute("src")).toBe(`${APP}/connect?client_id=tagged-client`);
    window.HumanConnect!.close();
  });
});
