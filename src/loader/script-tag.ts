// The script-tag build (connect.js): defines `window.HumanConnect`. Without `baseUrl`, Connect is loaded from where
// this script came from, so `<script src="https://connect.example.com/connect.js">` needs no configuration.
import { createHumanConnect } from "./connect.ts";
import type { HumanConnectApi } from "./types.ts";

declare global {
  interface Window {
    HumanConnect?: HumanConnectApi;
  }
}

// `document.currentScript` is only set while this script first runs, so the base is read now.
const script = document.currentScript as HTMLScriptElement | null;
const src = script?.src;
const base = src ? new URL(".", src).href : location.origin;

// A second copy of connect.js on the page keeps the first one, so an open dialog is never orphaned.
window.HumanConnect ??= createHumanConnect(() => base, script?.dataset.clientId);
