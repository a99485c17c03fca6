/**
 * The app side of the page <-> app handshake described in src/protocol/messages.ts.
 *
 * The rest of the app talks to a `Host`, not to postMessage, so its tests can stand in for the page. The hosted invite
 * page opens Connect through the loader too, so every Connect, embedded or hosted, starts with this handshake.
 */
import { isProtocolMessage, message, PROTOCOL_VERSION, type AppToPageMessage, type InitOptions } from "../protocol/messages.ts";
import type { CloseMessage } from "../protocol/messages.ts";

/** Whoever opened Connect: the page around the iframe. */
export interface Host {
  /** Origin of the embedding page, learned from the handshake; null when Connect is not embedded. */
  readonly parentOrigin: string | null;
  readonly token: string;
  readonly options: InitOptions;
  /** Sends a message to the page. */
  send(msg: AppToPageMessage): void;
  /** Registers what to do when the page asks Connect to close; returns the unsubscribe. */
  onCloseRequest(handler: () => void): () => void;
}

/** The parts of `window` the handshake uses, so tests can stand in for a parent frame. */
export interface BridgeWindow {
  readonly parent: { postMessage(message: unknown, targetOrigin: string): void } | null;
  addEventListener(type: "message", listener: (event: MessageEvent) => void): void;
  removeEventListener(type: "message", listener: (event: MessageEvent) => void): void;
}

/** The handshake in progress: `host` resolves on a valid `init`; `dispose` stops listening. */
export interface Handshake {
  host: Promise<Host>;
  dispose(): void;
}

function readOptions(raw: unknown): InitOptions {
  const options: InitOptions = {};
  if (typeof raw !== "object" || raw === null) return options;
  const o = raw as Record<string, unknown>;
  if (typeof o.clientId === "string") options.clientId = o.clientId;
  if (typeof o.clientUserId === "string") options.clientUserId = o.clientUserId;
  if (typeof o.language === "string") options.language = o.language;
  if (o.oauthRedirect === true) options.oauthRedirect = true;
  if (o.inline === true) options.inline = true;
  if (typeof o.sourceId === "string" && o.sourceId.length <= 64) options.sourceId = o.sourceId;
  if (Array.isArray(o.pinnedSources)) {
    options.pinnedSources = o.pinnedSources.filter((id): id is string => typeof id === "string" && id.length <= 64).slice(0, 20);
  }
  // The return address and the fragment are the page's word only: the service checks the one, redeems the other.
  if (typeof o.returnUrl === "string" && o.returnUrl.length <= 2048) options.returnUrl = o.returnUrl;
  if (typeof o.oauthReturn === "string" && o.oauthReturn.length <= 300) options.oauthReturn = o.oauthReturn;
  return options;
}

/**
 * Says `hello` to `window.parent` and waits for its `init`. Only `init` from the parent window itself, in our
 * namespace, with a MessagePort, is accepted; anything else is dropped unread.
 */
export function connectToParent(win: BridgeWindow = window as unknown as BridgeWindow): Handshake {
  let listening = true;
  let resolveHost!: (host: Host) => void;
  const host = new Promise<Host>((resolve) => (resolveHost = resolve));

  const stop = () => {
    if (!listening) return;
    listening = false;
    win.removeEventListener("message", onMessage);
  };

  function onMessage(event: MessageEvent) {
    if (!win.parent || event.source !== win.parent) return;
    const data: unknown = event.data;
    if (!isProtocolMessage(data) || data.type !== "init") return;
    const port = event.ports?.[0];
    if (data.v !== PROTOCOL_VERSION) {
      console.error(
        `Human Connect: the page speaks protocol version ${data.v} but this Connect app speaks version ${PROTOCOL_VERSION}. ` +
          "Load connect.js from the same Connect service that serves the app.",
      );
      if (port) {
        port.postMessage(message<CloseMessage>("close", { status: "PROTOCOL_VERSION_MISMATCH", currentConnections: [] }));
        stop();
      }
      return;
    }
    if (!port) return;
    const init = data as Partial<{ token: unknown; options: unknown }>;
    stop();
    resolveHost(createPortHost(port, event.origin, typeof init.token === "string" ? init.token : "", readOptions(init.options)));
  }

  win.addEventListener("message", onMessage);
  // `hello` carries nothing but the envelope, so "*" reveals nothing; `init` comes back only to the app's exact origin.
  win.parent?.postMessage(message("hello", {}), "*");
  return { host, dispose: stop };
}

/** A host reached over the private port handed over in `init`. */
export function createPortHost(port: MessagePort, parentOrigin: string, token: string, options: InitOptions): Host {
  const closeHandlers = new Set<() => void>();
  port.onmessage = (event: MessageEvent) => {
    const data: unknown = event.data;
    if (!isProtocolMessage(data) || data.v !== PROTOCOL_VERSION) return;
    if (data.type === "close-request") for (const handler of [...closeHandlers]) handler();
  };
  return {
    parentOrigin,
    token,
    options,
    send: (msg) => port.postMessage(msg),
    onCloseRequest(handler) {
      closeHandlers.add(handler);
      return () => closeHandlers.delete(handler);
    },
  };
}

/** True when the app runs inside a frame, where the embedded handshake applies. */
export function isEmbedded(win: Window = window): boolean {
  return win.parent !== win;
}
