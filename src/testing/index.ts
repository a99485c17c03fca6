/**
 * `import { createFakeConnect } from "human-connect/testing"`: a fake Connect for integrators' unit tests. It has the
 * `HumanConnect` object's own methods (open, close, preload), so it stands in wherever the real one is passed or
 * mocked, and the test drives it: the user connects or disconnects a source, an event happens, Connect closes with a
 * status. Each step fires exactly the payload the real loader documents, built by the same session-results rule the
 * app and the service use. No service, no iframe, no DOM.
 */
import { addSessionChange, emptySessionResults } from "../protocol/results.ts";
import type {
  CloseResponse,
  CloseStatus,
  ConnectEvent,
  ConnectEventName,
  ConnectSource,
  ConnectSourceResponse,
  DisconnectSourceResponse,
  SessionResults,
} from "../protocol/results.ts";
import type { ConnectHandle, HumanConnectApi, OpenOptions, PreloadOptions } from "../loader/types.ts";

/** Options of `createFakeConnect`. */
export interface FakeConnectOptions {
  /** The user's connections before Connect opens (`currentConnections` starts from these). */
  connections?: ConnectSource[];
  /** The clock of event timestamps (ms since the epoch); default `Date.now`. */
  now?: () => number;
}

/** A fake `HumanConnect`, plus the steps a test drives. Methods need no `this`, so they can be passed around. */
export interface FakeConnect extends HumanConnectApi {
  /** The options of the Connect that is open, or undefined. */
  readonly options: OpenOptions | undefined;
  /** True from a successful `open()` until Connect closes. */
  readonly isOpen: boolean;
  /** The options of every `open()` that opened Connect, oldest first. */
  readonly opened: readonly OpenOptions[];
  /** The options of every `preload()`, oldest first. */
  readonly preloaded: readonly PreloadOptions[];
  /** The app is interactive: `onReady` fires and the handle's `ready` resolves. */
  ready(): void;
  /** The user connects a source: `onConnectSource` fires with this payload, which is returned too. */
  connectSource(source: ConnectSource): ConnectSourceResponse;
  /** The user disconnects a source: `onDisconnectSource` fires with this payload, which is returned too. */
  disconnectSource(source: ConnectSource): DisconnectSourceResponse;
  /** A named event: `onEvent` fires with `{name, timestamp, data}`, which is returned too. */
  event(name: ConnectEventName, data?: ConnectEvent["data"]): ConnectEvent;
  /**
   * Connect closes with this status (default `SUCCESS`): `onClose` fires with the session's results, and the
   * connections for `SUCCESS` or empty arrays for any other status, as the real Connect reports them.
   */
  finish(status?: CloseStatus): CloseResponse;
}

const copy = (sources: readonly ConnectSource[]): ConnectSource[] => sources.map(({ name, id }) => ({ name, id }));
const copyResults = (r: SessionResults): SessionResults => ({
  connectedSources: copy(r.connectedSources),
  disconnectedSources: copy(r.disconnectedSources),
});

/** Creates a fake Connect; see `FakeConnect`. */
export function createFakeConnect(init: FakeConnectOptions = {}): FakeConnect {
  const now = init.now ?? Date.now;
  let connections = copy(init.connections ?? []);
  const opened: OpenOptions[] = [];
  const preloaded: PreloadOptions[] = [];
  let session:
    | { o: OpenOptions; h: ConnectHandle; results: SessionResults; settle(status?: string): void; isReady: boolean }
    | undefined;

  function open(o: OpenOptions): ConnectHandle {
    if (session) {
      console.warn("HumanConnect: Connect is already open.");
      return session.h;
    }
    let settle!: (status?: string) => void;
    const ready = new Promise<void>((res, rej) => (settle = (s) => (s ? rej(new Error(s)) : res())));
    ready.catch(() => {});
    if (!o?.token) {
      // As the real loader: nothing opens, and onClose follows asynchronously.
      const payload: CloseResponse = { status: "MISSING_SESSION_TOKEN", sessionResults: emptySessionResults(), currentConnections: [] };
      queueMicrotask(() => {
        settle(payload.status);
        o?.onClose?.(payload);
      });
      return { close() {}, ready };
    }
    const h: ConnectHandle = { close: () => finishIfOpen(h), ready };
    opened.push(o);
    session = { o, h, results: emptySessionResults(), settle, isReady: false };
    return h;
  }

  function current() {
    if (!session) throw new Error("FakeConnect: Connect is not open; call open() with a token first.");
    return session;
  }

  function finishIfOpen(h: ConnectHandle) {
    if (session?.h == h) fake.finish();
  }

  function change(action: "connected" | "disconnected", source: ConnectSource) {
    const s = current();
    s.results = addSessionChange(s.results, { action, source });
    connections =
      action == "connected"
        ? connections.some((c) => c.id == source.id)
          ? connections
          : [...connections, { name: source.name, id: source.id }]
        : connections.filter((c) => c.id != source.id);
    return { sessionResults: copyResults(s.results), currentConnections: copy(connections) };
  }

  const fake: FakeConnect = {
    open,
    close: () => session && finishIfOpen(session.h),
    preload: (p = {}) => void preloaded.push(p),
    get options() {
      return session?.o;
    },
    get isOpen() {
      return !!session;
    },
    opened,
    preloaded,
    ready() {
      const s = current();
      if (s.isReady) return;
      s.isReady = true;
      s.settle();
      s.o.onReady?.();
    },
    connectSource(source) {
      const s = current();
      const payload: ConnectSourceResponse = { status: "CONNECTED_SOURCE", ...change("connected", source) };
      s.o.onConnectSource?.(payload);
      return payload;
    },
    disconnectSource(source) {
      const s = current();
      const payload: DisconnectSourceResponse = { status: "DISCONNECTED_SOURCE", ...change("disconnected", source) };
      s.o.onDisconnectSource?.(payload);
      return payload;
    },
    event(name, data = {}) {
      const payload: ConnectEvent = { name, timestamp: now(), data: { ...data } };
      current().o.onEvent?.(payload);
      return payload;
    },
    finish(status = "SUCCESS") {
      const s = current();
      session = undefined;
      const payload: CloseResponse = {
        status,
        sessionResults: copyResults(s.results),
        currentConnections: status == "SUCCESS" ? copy(connections) : [],
      };
      s.settle(status);
      s.o.onClose?.(payload);
      return payload;
    },
  };
  return fake;
}
