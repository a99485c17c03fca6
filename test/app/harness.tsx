// Renders the whole Connect app against the fake service, with a recording host and a controllable popup window.
import { render } from "@testing-library/preact";
import { createApi } from "../../src/app/api.ts";
import { App } from "../../src/app/App.tsx";
import type { Host } from "../../src/app/bridge.ts";
import { language, loadLanguage } from "../../src/app/i18n.ts";
import { createAppModel, type AppTimings } from "../../src/app/models/app.ts";
import type { FlowWindow } from "../../src/app/models/connect-flow.ts";
import type { PopupHandle } from "../../src/app/models/oauth-popup.ts";
import type { AppToPageMessage, InitOptions } from "../../src/protocol/messages.ts";
import { createFakeService } from "./fake-service.ts";

// Spanish is fetched on demand in the app; here it is fetched once, so a test can switch languages synchronously.
await loadLanguage("es");
language.value = "en";

export const SERVICE_ORIGIN = "https://connect.example";
export const PAGE_ORIGIN = "https://customer.example";

/** A host that records what the app sends, and can ask the app to close. */
export function createRecordingHost(token: string, options: InitOptions = {}) {
  const sent: AppToPageMessage[] = [];
  const closeHandlers = new Set<() => void>();
  const host: Host = {
    parentOrigin: PAGE_ORIGIN,
    token,
    options,
    send: (msg) => sent.push(structuredClone(msg)),
    onCloseRequest(handler) {
      closeHandlers.add(handler);
      return () => closeHandlers.delete(handler);
    },
  };
  return { host, sent, requestClose: () => [...closeHandlers].forEach((h) => h()) };
}

/** A popup of the fake window: its URL, whether it closed, and what the app posted to it. */
export type FakePopup = PopupHandle & { url: string; closed: boolean; received: Array<{ message: unknown; targetOrigin: string }> };

/** A window whose popups can be blocked, closed, and whose message events the test posts. */
export function createFakeWindow() {
  const listeners = new Set<(e: MessageEvent) => void>();
  const popups: FakePopup[] = [];
  let block = false;
  const win: FlowWindow = {
    origin: SERVICE_ORIGIN,
    open(url) {
      if (block) return null;
      const popup: FakePopup = {
        url,
        closed: false,
        received: [],
        close() {
          popup.closed = true;
        },
        postMessage(message, targetOrigin) {
          popup.received.push({ message: structuredClone(message), targetOrigin });
        },
      };
      popups.push(popup);
      return popup;
    },
    addEventListener: (_type, l) => listeners.add(l),
    removeEventListener: (_type, l) => listeners.delete(l),
  };
  return {
    win,
    popups,
    setBlocked: (b: boolean) => (block = b),
    /** Posts a message event to the app; by default from the last popup, at the service's origin. */
    post: (data: unknown, origin = SERVICE_ORIGIN, source: unknown = popups.at(-1) ?? null) =>
      [...listeners].forEach((l) => l({ data, origin, source } as unknown as MessageEvent)),
    listenerCount: () => listeners.size,
  };
}

/** Starts the app for a fake service and renders it. */
export function renderConnect(
  opts: { service?: ReturnType<typeof createFakeService>; token?: string; options?: InitOptions; timings?: AppTimings } = {},
) {
  const service = opts.service ?? createFakeService();
  language.value = opts.options?.language === "es" ? "es" : "en";
  const rec = createRecordingHost(opts.token ?? service.state.token, opts.options);
  const fakeWin = createFakeWindow();
  const api = createApi({ token: rec.host.token, parentOrigin: PAGE_ORIGIN, fetch: service.fetch as typeof fetch });
  const app = createAppModel({
    host: rec.host,
    api,
    win: fakeWin.win,
    now: () => 1_700_000_000_000,
    timings: { searchAnnounceMs: 20, uiStateDebounceMs: 20, oauthPollMs: 30, ...opts.timings },
  });
  const view = render(<App app={app} />);
  void app.start();
  const messages = (type: AppToPageMessage["type"]) => rec.sent.filter((m) => m.type === type);
  const events = () => rec.sent.flatMap((m) => (m.type === "event" ? [m.event] : []));
  return { ...view, app, service, sent: rec.sent, messages, events, requestClose: rec.requestClose, fakeWin };
}
