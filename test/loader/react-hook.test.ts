// @vitest-environment happy-dom
// useHumanConnect against the real loader, with React 19 (under StrictMode) and with preact/compat standing in for React. happy-dom loads
// no iframe, so the app is stood in for by its handshake; the bundled React app in real Chromium is test/e2e.
import { afterEach, describe, expect, test, vi } from "vitest";
import { NAMESPACE, PROTOCOL_VERSION } from "../../src/protocol/messages.ts";
import type { UseHumanConnect, UseHumanConnectOptions } from "../../src/react/index.ts";

const APP = "http://connect.test:8080";
// Paths, not names: the project's Vite config aliases "react" and "react-dom" to preact/compat for the Connect app.
const REACT = "../../node_modules/react/index.js";
const REACT_DOM_CLIENT = "../../node_modules/react-dom/client.js";
const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));
// Waits for something that follows a message or a timer, however busy the machine is.
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !done(); i++) await tick();
  expect(done()).toBe(true);
}

interface Binding {
  name: string;
  /** Renders a component using the hook under StrictMode where the library has it; returns the latest hook value. */
  mount(
    options: UseHumanConnectOptions,
    secondOptions?: UseHumanConnectOptions,
  ): Promise<{ hc: () => UseHumanConnect; second: () => UseHumanConnect; act(f: () => unknown): Promise<void>; unmount(): Promise<void> }>;
}

const react: Binding = {
  name: "React 19",
  async mount(options, secondOptions) {
    vi.resetModules();
    vi.doMock("react", () => import(REACT));
    const { createElement, StrictMode, act }: typeof import("react") = await import(REACT);
    const { createRoot }: typeof import("react-dom/client") = await import(REACT_DOM_CLIENT);
    expect((await import("react")).version).toMatch(/^19\./);
    const { useHumanConnect } = await import("../../src/react/index.ts");
    (globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;
    let latest!: UseHumanConnect;
    let latestSecond!: UseHumanConnect;
    function Panel() {
      latest = useHumanConnect(options);
      return null;
    }
    // A second component with the hook, on the same page (and the same loader).
    function SecondPanel() {
      latestSecond = useHumanConnect(secondOptions ?? {});
      return null;
    }
    const el = document.createElement("div");
    document.body.append(el);
    const root = createRoot(el);
    await act(async () => root.render(createElement(StrictMode, null, createElement(Panel), secondOptions && createElement(SecondPanel))));
    return {
      hc: () => latest,
      second: () => latestSecond,
      act: async (f) => {
        await act(async () => void (await f()));
      },
      unmount: async () => {
        await act(async () => root.unmount());
      },
    };
  },
};

const preact: Binding = {
  name: "preact/compat",
  async mount(options, secondOptions) {
    vi.resetModules();
    vi.doMock("react", () => import("preact/compat"));
    const { createElement, render } = await import("preact/compat");
    const { act } = await import("preact/test-utils");
    const { useHumanConnect } = await import("../../src/react/index.ts");
    let latest!: UseHumanConnect;
    let latestSecond!: UseHumanConnect;
    function Panel() {
      latest = useHumanConnect(options);
      return null;
    }
    // A second component with the hook, on the same page (and the same loader).
    function SecondPanel() {
      latestSecond = useHumanConnect(secondOptions ?? {});
      return null;
    }
    const el = document.createElement("div");
    document.body.append(el);
    await act(async () => void render(createElement("div", null, createElement(Panel, null), secondOptions && createElement(SecondPanel, null)), el));
    return {
      hc: () => latest,
      second: () => latestSecond,
      act: async (f) => {
        await act(async () => void (await f()));
      },
      unmount: async () => {
        await act(async () => void render(null, el));
      },
    };
  },
};

afterEach(() => {
  vi.doUnmock("react");
  document.body.replaceChildren();
});

describe.each([react, preact])("$name", (binding) => {
  // The app's side of the handshake for the one iframe on the page; returns its port.
  async function appSaysHello(): Promise<MessagePort> {
    const frame = document.querySelector("iframe")!;
    const win = { postMessage: vi.fn() };
    Object.defineProperty(frame, "contentWindow", { value: win, configurable: true });
    window.dispatchEvent(new MessageEvent("message", { data: { ns: NAMESPACE, v: PROTOCOL_VERSION, type: "hello" }, origin: APP, source: win as never }));
    return win.postMessage.mock.calls[0]![2][0];
  }

  test("open with the token given at open(), ready, then close: state follows and each callback fires once", async () => {
    const calls = { onReady: vi.fn(), onClose: vi.fn() };
    const { hc, act, unmount } = await binding.mount({ baseUrl: APP, ...calls });
    expect(hc()).toMatchObject({ isOpen: false, ready: false, error: null });
    expect(document.querySelector("iframe")).toBeNull();

    await act(() => {
      hc().open({ token: "tok" });
      hc().open({ token: "tok" });
    });
    expect(document.querySelectorAll("iframe")).toHaveLength(1);
    expect(hc()).toMatchObject({ isOpen: true, ready: false });
    const port = await appSaysHello();
    await act(() => {
      port.postMessage({ ns: NAMESPACE, v: PROTOCOL_VERSION, type: "ready", currentConnections: [] });
      return until(() => calls.onReady.mock.calls.length > 0);
    });
    expect(hc()).toMatchObject({ isOpen: true, ready: true, error: null });

    await act(() => {
      hc().close();
      port.postMessage({ ns: NAMESPACE, v: PROTOCOL_VERSION, type: "close", status: "SUCCESS", currentConnections: [] });
      return until(() => calls.onClose.mock.calls.length > 0);
    });
    expect(hc()).toMatchObject({ isOpen: false, ready: false, error: null });
    expect(calls.onReady).toHaveBeenCalledTimes(1);
    expect(calls.onClose).toHaveBeenCalledTimes(1);
    expect(document.querySelector("iframe, dialog")).toBeNull();
    await unmount();
  });

  test("without a token: onClose with MISSING_SESSION_TOKEN, and the status as `error`", async () => {
    const onClose = vi.fn();
    const { hc, act, unmount } = await binding.mount({ baseUrl: APP, onClose });
    await act(() => {
      hc().open();
      return until(() => onClose.mock.calls.length > 0);
    });
    expect(hc()).toMatchObject({ isOpen: false, ready: false, error: "MISSING_SESSION_TOKEN" });
    expect(onClose.mock.calls[0]![0].status).toBe("MISSING_SESSION_TOKEN");
    await unmount();
  });

  test("unmounting closes Connect; its onClose still reaches the options", async () => {
    const onClose = vi.fn();
    const { hc, act, unmount } = await binding.mount({ baseUrl: APP, token: "tok", onClose });
    await act(() => hc().open());
    expect(document.querySelectorAll("iframe")).toHaveLength(1);
    await unmount();
    await until(() => onClose.mock.calls.length > 0);
    expect(document.querySelector("iframe, dialog")).toBeNull();
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  test("a second component's open() while Connect is open takes nothing: it stays closed, and the first keeps its callbacks", async () => {
    const first = { onClose: vi.fn() };
    const other = { onClose: vi.fn(), onReady: vi.fn() };
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const { hc, second, act, unmount } = await binding.mount({ baseUrl: APP, token: "tok", ...first }, { baseUrl: APP, token: "tok2", ...other });
    await act(() => hc().open());
    await act(() => second().open());
    expect(document.querySelectorAll("iframe")).toHaveLength(1);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(hc().isOpen).toBe(true);
    expect(second().isOpen).toBe(false);
    const port = await appSaysHello();
    await act(() => {
      port.postMessage({ ns: NAMESPACE, v: PROTOCOL_VERSION, type: "close", status: "SUCCESS", currentConnections: [] });
      return until(() => first.onClose.mock.calls.length > 0);
    });
    expect(hc().isOpen).toBe(false);
    expect(other.onClose).not.toHaveBeenCalled();
    // Now the second component opens its own.
    await act(() => second().open());
    expect(second().isOpen).toBe(true);
    warn.mockRestore();
    await unmount();
  });
});
