/**
 * The loader's `open()`, `close()` and `preload()`, in the order a session goes through them:
 *
 * 1. `open()` checks its options; without a token or a place to mount, `onClose` follows asynchronously and nothing is
 *    added to the page.
 * 2. The app's iframe is mounted: in a modal `<dialog>` (scroll locked, or the one `preload()` warmed up), or inline in
 *    the page's own container.
 * 3. The handshake (src/protocol/messages.ts): `hello` from this iframe and the app's origin only, answered with `init`
 *    and a private port. A reloaded app says hello again and gets a fresh port, so Connect resumes after a crash.
 * 4. Everything the app says arrives on that port and becomes the page's callbacks.
 * 5. `finish()` undoes every step above, in reverse, exactly once.
 */
import { NAMESPACE, PROTOCOL_VERSION } from "../protocol/messages.ts";
import type { AppToPageMessage, InitOptions } from "../protocol/messages.ts";
import type { CloseStatus, ConnectSource, SessionResults } from "../protocol/results.ts";
import { adoptStyles, DIALOG_CLASS, FRAME_CLASS } from "./styles.ts";
import type { ConnectHandle, HumanConnectApi, OpenOptions, PreloadOptions } from "./types.ts";

/** How long the Connect app has to load and say it is ready before Connect closes with CONNECT_UNAVAILABLE. */
export const LOAD_TIMEOUT_MS = 15_000;
/** How long `close()` waits for the app's own `close` (which carries the latest connections) before closing anyway. */
export const CLOSE_GRACE_MS = 1_000;

const TITLE = "Connect your health data";
// The fragment a redirect sign-in returns with (OAUTH_RETURN_PARAM); the app and the service check its parts again.
const RETURN = /^#hc-oauth=([\w.-]{1,300})$/;
const PREFIX = "HumanConnect: ";

type Undo = () => void;

// A throwing callback of the page must never break Connect.
function call<A>(f: ((a: A) => void) | undefined, a?: A): void {
  try {
    f?.(a as A);
  } catch (e) {
    console.error(PREFIX + "a callback threw", e);
  }
}

/** Adds a listener and returns its removal, so each one is undone by the same code that added it. */
function listen<E extends Event>(target: EventTarget, type: string, f: (e: E) => void): Undo {
  target.addEventListener(type, f as EventListener);
  return () => target.removeEventListener(type, f as EventListener);
}

// Anything that is not one of ours is dropped unread; unknown types fall through the dispatch.
const isOurs = (d: unknown): d is AppToPageMessage => (d as AppToPageMessage | undefined)?.ns == NAMESPACE;

/** The app's iframe. An iframe reloads when it is moved, so it is created where it will stay. */
function createFrame(url: string, parent: Element): HTMLIFrameElement {
  const frame = document.createElement("iframe");
  frame.title = TITLE;
  frame.className = FRAME_CLASS;
  frame.src = url;
  parent.append(frame);
  return frame;
}

/** A closed `<dialog>` holding the app's iframe, added to the page. */
function createDialog(url: string): HTMLDialogElement {
  const dlg = document.createElement("dialog");
  dlg.className = DIALOG_CLASS;
  dlg.setAttribute("aria-label", TITLE);
  createFrame(url, dlg);
  document.body.append(dlg);
  return dlg;
}

/** Listens for the app's `hello`: only from this iframe's window, showing the app's origin; hands on its version. */
function onHello(origin: string, frame: HTMLIFrameElement, f: (v: number) => void): Undo {
  return listen<MessageEvent>(window, "message", (e) => {
    if (e.origin == origin && e.source == frame.contentWindow && isOurs(e.data) && e.data.type == "hello") f(e.data.v);
  });
}

/** Locks the page's scroll behind the modal; the undo restores the previous `overflow` and position exactly. */
function lockScroll(): Undo {
  const s = document.documentElement.style;
  const [overflow, x, y] = [s.overflow, scrollX, scrollY];
  s.overflow = "hidden";
  return () => {
    s.overflow = overflow;
    scrollTo(x, y);
  };
}

// A preloaded app waiting, hidden, for the next modal open() on the same URL; `v` is set once it has said hello.
interface Warm {
  url: string;
  dlg: HTMLDialogElement;
  v?: number;
  off: Undo;
}

/**
 * Builds the `HumanConnect` object; `defaultBase` gives the Connect service's URL when `baseUrl` is not passed, and
 * `knownClientId` the client id when no call passes one (the script tag's `data-client-id`).
 */
export function createHumanConnect(defaultBase: () => string, knownClientId?: string): HumanConnectApi {
  // The service sends `frame-ancestors` from the client's allowed origins only when the app URL names the client, so
  // every app URL carries the last client id this page gave.
  let clientId = knownClientId;
  // The Connect app's page: `${baseUrl}/connect?client_id=&lang=`. The token never goes here.
  const urlFor = (o: PreloadOptions) => {
    const u = new URL((o.baseUrl ?? defaultBase()).replace(/\/*$/, "/connect"), location.href);
    clientId = o.clientId || clientId;
    if (clientId) u.searchParams.set("client_id", clientId);
    if (o.language) u.searchParams.set("lang", o.language);
    return u.href;
  };
  let current: { h: ConnectHandle; frame: HTMLIFrameElement; warned?: 1 } | undefined;
  let warm: Warm | undefined;

  function open(o: OpenOptions): ConnectHandle {
    if (current) {
      if (!current.warned) console.warn(PREFIX + "Connect is already open.");
      current.warned = 1;
      current.frame.focus();
      return current.h;
    }
    // What the app last reported. Each callback gets its own copy, so a page that edits one changes no other.
    let results: SessionResults = { connectedSources: [], disconnectedSources: [] };
    let conns: ConnectSource[] = [];
    let settle!: (status?: string) => void;
    const ready = new Promise<void>((res, rej) => (settle = (s) => (s ? rej(new Error(s)) : res())));
    // Callers who never await `ready` must not see an unhandled rejection.
    ready.catch(() => {});
    const payload = <S>(status: S) => structuredClone({ status, sessionResults: results, currentConnections: conns });

    // 1. Options: a problem closes Connect before anything is added to the page.
    let url = "";
    let container: Element | undefined;
    let problem: CloseStatus | undefined;
    if (!o?.token) problem = "MISSING_SESSION_TOKEN";
    else
      try {
        url = urlFor(o);
        const c = o.container;
        container = (typeof c == "string" ? document.querySelector(c) : c) || undefined;
        // A selector that matches nothing, or is not one (querySelector throws): the message names the container.
        if (c && !container) throw 0;
      } catch {
        console.error(PREFIX + (url ? `no element on this page matches container ${o.container}.` : "baseUrl is not a valid URL: " + o.baseUrl));
        problem = "CONNECT_UNAVAILABLE";
      }
    if (problem) {
      const status = problem;
      setTimeout(() => {
        settle(status);
        call(o?.onClose, payload(status));
      });
      return { close() {}, ready };
    }
    const origin = new URL(url).origin;
    // A redirect sign-in came back with `#hc-oauth=<attempt>.<secret>`: taken off the address bar at once (so it is
    // neither bookmarked, shared nor read by later scripts) and handed to this Connect alone, which redeems it.
    const back = location.hash.match(RETURN);
    const here = location.href.split("#")[0];
    if (back) history.replaceState(history.state, "", here);
    const opener = document.activeElement as HTMLElement | null;
    const undo: Undo[] = [adoptStyles()];
    let port: MessagePort | undefined;
    let done = false;
    let closing: ReturnType<typeof setTimeout> | undefined;

    // 2. Mount: inline in the container, or in the modal dialog (the preloaded one when it is for this URL).
    let frame: HTMLIFrameElement;
    let version: number | undefined;
    if (container) {
      frame = createFrame(url, container);
      undo.push(() => frame.remove());
    } else {
      let dlg: HTMLDialogElement;
      if (warm?.url == url) {
        ({ dlg, v: version } = warm);
        warm.off();
        warm = undefined;
      } else dlg = createDialog(url);
      frame = dlg.firstChild as HTMLIFrameElement;
      undo.push(
        // Removing an open modal dialog takes it out of the top layer, which frees the page (HTML's removing steps).
        () => dlg.remove(),
        lockScroll(),
        // The Escape key on the page: keep the dialog open until the app has answered, then close through `finish`.
        listen(dlg, "cancel", (e) => {
          e.preventDefault();
          close();
        }),
        // The browser may still close the dialog itself (a second Escape without user activation skips `cancel`).
        listen(dlg, "close", () => finish("SUCCESS")),
      );
      dlg.showModal();
    }

    // 3. Handshake.
    const init = (v: number) => {
      if (v !== PROTOCOL_VERSION) {
        console.error(`${PREFIX}protocol version mismatch (app ${v}, loader ${PROTOCOL_VERSION}): load connect.js from ${origin}, or upgrade human-connect.`);
        return finish("PROTOCOL_VERSION_MISMATCH");
      }
      port?.close();
      const channel = new MessageChannel();
      port = channel.port1;
      port.onmessage = receive;
      const options: InitOptions = {
        clientId: o.clientId,
        clientUserId: o.clientUserId,
        language: o.language,
        oauthRedirect: o.oauthRedirect,
        sourceId: o.sourceId,
        pinnedSources: o.pinnedSources,
        inline: !!container,
        returnUrl: here,
        oauthReturn: back?.[1],
      };
      const message = { ns: NAMESPACE, v: PROTOCOL_VERSION, type: "init", token: o.token, options };
      frame.contentWindow!.postMessage(message, origin, [channel.port2]);
    };

    // 4. What the app says, as callbacks.
    const receive = ({ data: d }: MessageEvent) => {
      // The version was settled by `hello`; the port is this app's alone.
      if (!isOurs(d)) return;
      if (d.type == "ready") {
        conns = d.currentConnections;
        // The timer doubles as "not ready yet": onReady fires once, however often a reloaded app says ready.
        if (timer) {
          clearTimeout(timer);
          timer = 0;
          settle();
          call(o.onReady);
        }
      } else if (d.type == "connected" || d.type == "disconnected") {
        ({ sessionResults: results, currentConnections: conns } = d.response);
        if (d.type == "connected") call(o.onConnectSource, payload(d.response.status));
        else call(o.onDisconnectSource, payload(d.response.status));
      } else if (d.type == "event") {
        // Each message arrives as a fresh copy, so the event is the page's own.
        call(o.onEvent, d.event);
      } else if (d.type == "close") {
        conns = d.currentConnections || conns;
        finish(d.status || "SUCCESS");
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

    function close() {
      if (done || closing) return;
      if (!port) return finish("SUCCESS");
      closing = setTimeout(() => finish("SUCCESS"), CLOSE_GRACE_MS);
      port.postMessage({ ns: NAMESPACE, v: PROTOCOL_VERSION, type: "close-request" });
    }

    // 5. Teardown, once: every step above undone in reverse, focus back where it was, then `onClose`.
    function finish(status: CloseStatus, quiet?: 1) {
      if (done) return;
      done = true;
      current = undefined;
      clearTimeout(timer);
      clearTimeout(closing);
      // A closed port delivers nothing more.
      port?.close();
      const focused = document.activeElement == frame;
      for (const f of undo.reverse()) f();
      if (focused) opener?.focus({ preventScroll: true });
      // Settling an already resolved `ready` changes nothing.
      settle(status);
      if (!quiet) call(o.onClose, payload(status));
    }

    let timer: ReturnType<typeof setTimeout> | 0 = setTimeout(() => {
      console.error(`${PREFIX}the Connect app at ${url} did not load within 15 s.`);
      finish("CONNECT_UNAVAILABLE");
    }, LOAD_TIMEOUT_MS);
    undo.push(onHello(origin, frame, init));
    frame.focus();
    const h: ConnectHandle = { close, ready };
    current = { h, frame };
    if (version !== undefined) init(version);
    return h;
  }

  function preload(p: PreloadOptions = {}): void {
    const url = urlFor(p);
    // Browsers keep a cross-site prefetch apart from the iframe's own cache, so the warm-up is the app itself:
    // loaded in a closed (hidden) dialog, handed the token only when open() is called.
    if (warm || current) return;
    const dlg = createDialog(url);
    const w: Warm = (warm = { url, dlg, off: onHello(new URL(url).origin, dlg.firstChild as HTMLIFrameElement, (v) => (w.v ??= v)) });
  }

  return { open, close: () => current?.h.close(), preload };
}
