/**
 * The npm entry of Human Connect: `import HumanConnect from "human-connect"` or `import { open } from "human-connect"`.
 * Importing it does nothing (no `window` needed); it touches the page only when `open()` or `preload()` is called.
 * Without `baseUrl`, the Connect service is assumed to be on the page's own origin.
 */
import { createHumanConnect } from "./connect.ts";
import type { HumanConnectApi } from "./types.ts";

export type { ConnectHandle, HumanConnectApi, OpenOptions, PreloadOptions } from "./types.ts";
export type {
  CloseResponse,
  CloseStatus,
  ConnectEvent,
  ConnectEventName,
  ConnectSource,
  ConnectSourceResponse,
  DisconnectSourceResponse,
  SessionResults,
} from "../protocol/results.ts";

/** The Connect widget: `open()`, `close()` and `preload()`. */
const HumanConnect: HumanConnectApi = /* @__PURE__ */ createHumanConnect(() => location.origin);

/** Opens Connect in a modal dialog; see `OpenOptions`. */
export const open: HumanConnectApi["open"] = (options) => HumanConnect.open(options);
/** Closes the open Connect dialog, if any; its `onClose` follows. */
export const close: HumanConnectApi["close"] = () => HumanConnect.close();
/** Warms the connection to the Connect app before the user clicks. */
export const preload: HumanConnectApi["preload"] = (options) => HumanConnect.preload(options);

export default HumanConnect;
