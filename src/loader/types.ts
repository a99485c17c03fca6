import type { CloseResponse, ConnectEvent, ConnectSourceResponse, DisconnectSourceResponse } from "../protocol/results.ts";

/** Options of `HumanConnect.open()`: the Connect reference's attributes plus this product's additions. */
export interface OpenOptions {
  /** Required: a `session_token` or an `id_token` from your backend's call to `POST /v1/connect/token`. */
  token: string;
  /** Your application's client id; lets the service restrict which pages may frame Connect. */
  clientId?: string;
  /** An identifier of the user (an email address or any UTF-8 string). */
  clientUserId?: string;
  /** Called once when Connect closes, with the session's cumulative results. */
  onClose?: (response: CloseResponse) => void;
  /** Called each time the user connects a source. */
  onConnectSource?: (response: ConnectSourceResponse) => void;
  /** Called each time the user disconnects a source. */
  onDisconnectSource?: (response: DisconnectSourceResponse) => void;
  /** Called with every named event (OPEN, SEARCH, CONNECT_START, ERROR, CLOSE, ...). */
  onEvent?: (event: ConnectEvent) => void;
  /** Called once when the Connect app is interactive. */
  onReady?: () => void;
  /** Language of the Connect app, e.g. "en" or "es"; defaults to the browser's language. */
  language?: string;
  /** Where the Connect service lives, e.g. "https://connect.example.com". */
  baseUrl?: string;
  /**
   * OAuth sign-ins leave this page for the provider's (no popup) and come back to it; call `open()` again on the
   * return and Connect resumes where the user was. Connect closes without `onClose` as the page leaves.
   */
  oauthRedirect?: boolean;
  /**
   * Opens straight on this source (a catalog id): its sign-in, or the repair of its connection when that needs the
   * user to sign in again. An unknown id opens the normal first screen and emits an `ERROR` event.
   */
  sourceId?: string;
  /**
   * Source ids (catalog ids) shown first, in this order, on the first screen before any typing. Unknown ids are left
   * out, with one console warning from the Connect app.
   */
  pinnedSources?: string[];
  /**
   * Inline mode: an element, or a selector of one, that Connect fills instead of opening a modal dialog. No dialog and
   * no scroll lock; the element should be at least 320 px wide and 560 px tall.
   */
  container?: Element | string;
}

/** What `open()` returns. */
export interface ConnectHandle {
  /** Asks Connect to close; `onClose` follows. */
  close(): void;
  /** Resolves when the Connect app is interactive; rejects with the close status if it closes first. */
  ready: Promise<void>;
}

/** Options of `HumanConnect.preload()`. */
export interface PreloadOptions {
  baseUrl?: string;
  clientId?: string;
  language?: string;
}

/** The `HumanConnect` object: the default export of the npm entry and `window.HumanConnect` of connect.js. */
export interface HumanConnectApi {
  open(options: OpenOptions): ConnectHandle;
  close(): void;
  /** Loads the Connect app hidden, before the user clicks, so the next open() with the same options starts at once. */
  preload(options?: PreloadOptions): void;
}
