import { PROTOCOL_VERSION, isProtocolMessage, message } from "../protocol/messages.ts";
import { OAUTH_RETURN_PARAM } from "../protocol/messages.ts";
import type { CloseRequestMessage, InitMessage } from "../protocol/messages.ts";
import type { CloseStatus, ConnectSource, SessionResults } from "../protocol/results.ts";
import { CSS, DIALOG_CLASS } from "./styles.ts";
import type { ConnectHandle, HumanConnectApi, OpenOptions, PreloadOptions } from "./types.ts";

/** How long the Connect app has to load and say it is ready before Connect closes with CONNECT_UNAVAILABLE. */
export const LOAD_TIMEOUT_MS = 15_000;
/** How long `close()` waits for the app's own `close` (which carries the latest connections) before closing anyway. */
export const CLOSE_GRACE_MS = 1_000;

const TITLE = "Connect your health data";
// The fragment a redirect sign-in returns with; the app and the service check its parts again.
const RETURN = new RegExp(`^#${OAUTH_RETURN_PARAM}=([\\w.-]{1,300})$`);
const PREFIX = "HumanConnect: ";

/** The Connect app's page for a base URL: `${baseUrl}/connect?client_id=&lang=`. The token never goes here. */
export function appUrl(baseUrl: string, o: PreloadOptions): string {
  const u = new URL(baseUrl.replace(/\/*$/, "/connect"), location.href);
  if (o.clientId) u.searchParams.set("client_id", o.clientId);
  if (o.language) u.searchParams.set("lang", o.language);
  return u.href;
}

// Rebuilds sources as plain `{name, id}` so callbacks get exactly the documented shape and their own copies.
const sources = (a: unknown): ConnectSource[] =>
  Array.isArray(a)
    ? a.filter((s) => s && typeof s.name == "string" && typeof s.id == "string").map((s) => ({ name: s.name, id: s.id }))
    : [];

const copyResults = (r: Partial<SessionResults> | undefined): SessionResults => ({
  connectedSources: sources(r?.connectedSources),
  disconnectedSources: sources(r?.disconnectedSources),
});

// A throwing callback of the page must never break Connect.
function call<A>(f: ((a: A) => void) | undefined, a: A): void {
  try {
    f?.(a);
  } catch (e) {
    console.error(PREFIX + "a callback threw", e);
  }
}

// The closed <dialog> with the app's iframe. An iframe reloads when it is moved, so it is built once in its final place.
function dialogFor(url: string): [HTMLDialogElement, HTMLIFrameElement] {
  const dlg = document.createElement("dialog");
  dlg.className = DIALOG_CLASS;
  dlg.setAttribute("aria-label", TITLE);
  const frame = document.createElement("iframe");
  frame.title = TITLE;
  frame.src = url;
  dlg.append(frame);
  return [dlg, frame];
}

// Accepts `hello` only from this iframe's window, showing the Connect app's origin; yields its protocol version.
const helloFrom = (e: MessageEvent, origin: string, frame: HTMLIFrameElement): number | undefined =>
  e.origin === origin && e.source && e.source === frame.contentWindow && isProtocolMessage(e.data) && e.data.type == "hello"
    ? e.data.v
    : undefined;

// A preloaded app waiting, hidden, for the next open() on the same URL; `v` is set once it has said hello.
interface Warm {
  url: string;
  dlg: HTMLDialogElement;
  frame: HTMLIFrameElement;
  v?: number;
  off(): void;
}

/**
 * Builds the `HumanConnect` object; `defaultBase` gives the Connect service's URL when `baseUrl` is not passed, and
 * `knownClientId` the client id when no call passes one (the script tag's `data-client-id`).
 */
export function createHumanConnect(defaultBase: () => string, knownClientId?: string): HumanConnectApi {
  // The service sends `frame-ancestors` from the client's allowed origins only when the app URL names the client, so
  // every app URL carries the last client id this page gave.
  let clientId = knownClientId;
  const withClient = <T extends { clientId?: string | undefined }>(o: T): T => {
    clientId = o.clientId || clientId;
    return clientId ? { ...o, clientId } : o;
  };
  let current: { h: ConnectHandle; focus(): void; warned?: boolean } | undefined;
  const preloaded = new Set<string>();
  let warm: Warm | undefined;

  function open(o: OpenOptions): ConnectHandle {
    if (current) {
      if (!current.warned) console.warn(PREFIX + "Connect is already open; focusing it instead of opening another.");
      current.warned = true;
      current.focus();
      return current.h;
    }
    let results = copyResults(undefined);
    let conns: ConnectSource[] = [];
    let isReady = false;
    let settle!: (status?: string) => void;
    const ready = new Promise<void>((res, rej) => (settle = (s) => (s ? rej(new Error(s)) : res())));
    // Callers who never await `ready` must not see an unhandled rejection.
    ready.catch(() => {});
    const payload = (status: CloseStatus) => ({ status, sessionResults: copyResults(results), currentConnections: sources(conns) });
    const early = (status: CloseStatus): ConnectHandle => {
      setTimeout(() => {
        settle(status);
        call(o.onClose, payload(status));
      });
      return { close() {}, ready };
    };

    if (!o || typeof o.token != "string" || !o.token) return early("MISSING_SESSION_TOKEN");
    let url: string;
    try {
      url = appUrl(o.baseUrl ?? defaultBase(), withClient(o));
    } catch {
      console.error(PREFIX + "baseUrl is not a valid URL: " + o.baseUrl);
      return early("CONNECT_UNAVAILABLE");
    }
    const origin = new URL(url).origin;
    // A redirect sign-in came back with `#hc-oauth=<attempt>.<secret>`: taken off the address bar at once (so it is
    // neither bookmarked, shared nor read by later scripts) and handed to this Connect alone, which redeems it.
    const back = location.hash.match(RETURN);
    if (back) history.replaceState(history.state, "", location.href.split("#")[0]);
    const doc = document;
    const root = doc.documentElement;
    const opener = doc.activeElement as HTMLElement | null;
    const saved = [root.style.overflow, scrollX, scrollY] as const;
    let port: MessagePort | undefined;
    let done = false;
    let closing: ReturnType<typeof setTimeout> | undefined;

    const style = doc.createElement("style");
    style.textContent = CSS;
    const w = warm?.url == url ? warm : undefined;
    if (w) {
      warm = undefined;
      w.off();
    }
    const [dlg, frame] = w ? [w.dlg, w.frame] : dialogFor(url);

    const onMessage = (e: MessageEvent) => {
      const v = helloFrom(e, origin, frame);
      if (v !== undefined) hello(v);
    };

    const hello = (v: number) => {
      if (v !== PROTOCOL_VERSION) return mismatch(v);
      // A reloaded app says hello again: it gets a fresh port, the old one is dropped.
      port?.close();
      const channel = new MessageChannel();
      port = channel.port1;
      port.onmessage = onPortMessage;
      const options = {
        clientId: o.clientId,
        clientUserId: o.clientUserId,
        language: o.language,
        oauthRedirect: o.oauthRedirect,
        sourceId: o.sourceId,
        returnUrl: location.href.split("#")[0],
        oauthReturn: back?.[1],
      };
      frame.contentWindow!.postMessage(message<InitMessage>("init", { token: o.token, options }), origin, [channel.port2]);
    };

    const onPortMessage = ({ data: d }: MessageEvent) => {
      if (!isProtocolMessage(d)) return;
      if (d.v !== PROTOCOL_VERSION) return mismatch(d.v);
      if (d.type == "ready") {
        conns = sources(d.currentConnections);
        if (!isReady) {
          isReady = true;
          clearTimeout(timer);
          settle();
          call(o.onReady, undefined);
        }
      } else if (d.type == "connected" || d.type == "disconnected") {
        results = copyResults(d.response?.sessionResults);
        conns = sources(d.response?.currentConnections);
        if (d.type == "connected") call(o.onConnectSource, { ...payload("SUCCESS"), status: "CONNECTED_SOURCE" as const });
        else call(o.onDisconnectSource, { ...payload("SUCCESS"), status: "DISCONNECTED_SOURCE" as const });
      } else if (d.type == "event") {
        const ev = d.event;
        if (ev && typeof ev.name == "string") call(o.onEvent, { name: ev.name, timestamp: ev.timestamp, data: { ...ev.data } });
      } else if (d.type == "close") {
        if (Array.isArray(d.currentConnections)) conns = sources(d.currentConnections);
        finish(typeof d.status == "string" ? d.status : "SUCCESS");
      } else if (d.type == "navigate") {
        // An OAuth sign-in by redirect: only to the Connect service's own origin (its sign-in pages live there). Connect
        // closes without onClose, as it is not over: the page opens it again on its return and it resumes there.
        try {
          const to = new URL(d.url);
          if (to.origin == origin) {
            finish("SUCCESS", 1);
            location.assign(to.href);
          }
        } catch {}
      }
    };

    const mismatch = (v: unknown) => {
      console.error(
        `${PREFIX}protocol version mismatch: this loader speaks version ${PROTOCOL_VERSION} but the Connect app at ${origin} speaks version ${v}. Load connect.js from the same Connect service as the app, or upgrade the human-connect package.`,
      );
      finish("PROTOCOL_VERSION_MISMATCH");
    };

    // The Escape key on the page: keep the dialog open until the app has answered, then close through `finish`.
    const onCancel = (e: Event) => {
      e.preventDefault();
      close();
    };
    // The browser may still close the dialog itself (a second Escape without user activation skips `cancel`).
    const onDialogClose = () => finish("SUCCESS");

    function close() {
      if (done || closing) return;
      if (!port) return finish("SUCCESS");
      closing = setTimeout(() => finish("SUCCESS"), CLOSE_GRACE_MS);
      port.postMessage(message<CloseRequestMessage>("close-request", {}));
    }

    function finish(status: CloseStatus, quiet?: 1) {
      if (done) return;
      done = true;
      current = undefined;
      clearTimeout(timer);
      clearTimeout(closing);
      removeEventListener("message", onMessage);
      if (port) {
        port.onmessage = null;
        port.close();
      }
      dlg.removeEventListener("cancel", onCancel);
      dlg.removeEventListener("close", onDialogClose);
      if (dlg.open) dlg.close();
      dlg.remove();
      style.remove();
      root.style.overflow = saved[0];
      if (opener?.isConnected) opener.focus?.({ preventScroll: true });
      scrollTo(saved[1], saved[2]);
      if (!isReady) settle(status);
      if (!quiet) call(o.onClose, payload(status));
    }

    const timer = setTimeout(() => {
      console.error(`${PREFIX}the Connect app at ${url} did not load within ${LOAD_TIMEOUT_MS / 1000} s.`);
      finish("CONNECT_UNAVAILABLE");
    }, LOAD_TIMEOUT_MS);

    addEventListener("message", onMessage);
    dlg.addEventListener("cancel", onCancel);
    dlg.addEventListener("close", onDialogClose);
    doc.head.append(style);
    if (!w) doc.body.append(dlg);
    // Scroll lock: `overflow: hidden` on the root element; the previous value and position are restored on close.
    root.style.overflow = "hidden";
    dlg.showModal();
    frame.focus();

    const h: ConnectHandle = { close, ready };
    current = { h, focus: () => frame.focus() };
    if (w?.v !== undefined) hello(w.v);
    return h;
  }

  function preload(p: PreloadOptions = {}): void {
    const url = appUrl(p.baseUrl ?? defaultBase(), withClient(p));
    const origin = new URL(url).origin;
    if (!preloaded.has(url)) {
      preloaded.add(url);
      const link = document.createElement("link");
      link.rel = "preconnect";
      link.href = origin;
      document.head.append(link);
    }
    // Browsers keep a cross-site prefetch apart from the iframe's own cache, so the warm-up is the app itself:
    // loaded in a closed (hidden) dialog, handed the token only when open() is called.
    if (warm || current) return;
    const [dlg, frame] = dialogFor(url);
    const onHello = (e: MessageEvent) => {
      const v = helloFrom(e, origin, frame);
      if (v !== undefined && w.v === undefined) w.v = v;
    };
    const w: Warm = { url, dlg, frame, off: () => removeEventListener("message", onHello) };
    addEventListener("message", onHello);
    document.body.append(dlg);
    warm = w;
  }

  return { open, close: () => current?.h.close(), preload };
}
