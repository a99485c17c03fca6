/**
 * `import { useHumanConnect } from "human-connect/react"`: Connect as a React hook, for React 17, 18 and 19 and for
 * preact/compat. It drives the same loader as `import HumanConnect from "human-connect"`, so a page has one Connect.
 *
 * The rules it keeps, each against a known integration bug:
 * - Nothing touches `window` while rendering, so server rendering is safe; only `open()` does.
 * - StrictMode mounts, unmounts and mounts again at once. Closing on unmount is deferred by a task and cancelled by
 *   the mount that follows, so a Connect opened on mount is not closed and opened again: one iframe, and each
 *   callback once.
 * - Callbacks are read when they fire, so inline arrow functions that change every render are always the latest.
 * - State is only set while mounted; a real unmount closes Connect, whose `onClose` still reaches the options.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import HumanConnect from "../loader/index.ts";
import type { CloseResponse, CloseStatus, ConnectHandle, OpenOptions } from "../loader/index.ts";

/** Options of `useHumanConnect`: those of `HumanConnect.open()`, with the token optional (it can come at `open()`). */
export type UseHumanConnectOptions = Omit<OpenOptions, "token"> & { token?: string };

/** What `useHumanConnect` returns. */
export interface UseHumanConnect {
  /** Opens Connect with the hook's options and these overrides (a token fetched on click, say); does nothing while open. */
  open(overrides?: Partial<OpenOptions>): void;
  /** Asks Connect to close; `onClose` follows. */
  close(): void;
  /** True from `open()` until `onClose`. */
  isOpen: boolean;
  /** True once the Connect app is interactive, until it closes. */
  ready: boolean;
  /** The status Connect last closed with when it was not `SUCCESS`; null again at the next `open()`. */
  error: Exclude<CloseStatus, "SUCCESS"> | null;
}

interface State {
  isOpen: boolean;
  ready: boolean;
  error: UseHumanConnect["error"];
}

type Callback = "onClose" | "onConnectSource" | "onDisconnectSource" | "onEvent" | "onReady";

// Handles some hook already holds. The loader answers an open() while Connect is open with the open Connect's handle
// (and a warning): a second component must not take that Connect, whose callbacks are the first one's, as its own.
const held = new WeakSet<ConnectHandle>();

/** Connect for a React component: `const hc = useHumanConnect({ clientId, onConnectSource }); hc.open({ token })`. */
export function useHumanConnect(options: UseHumanConnectOptions = {}): UseHumanConnect {
  const [state, setState] = useState<State>({ isOpen: false, ready: false, error: null });
  const latest = useRef(options);
  latest.current = options;
  const handle = useRef<ConnectHandle | null>(null);
  const mounted = useRef(false);
  const unmounting = useRef<ReturnType<typeof setTimeout>>(undefined);

  useEffect(() => {
    mounted.current = true;
    clearTimeout(unmounting.current);
    return () => {
      mounted.current = false;
      unmounting.current = setTimeout(() => handle.current?.close());
    };
  }, []);

  const open = useCallback((overrides: Partial<OpenOptions> = {}) => {
    if (handle.current) return;
    const set = (s: State) => mounted.current && setState(s);
    // The callback of this open's overrides, else the hook's latest options, looked up when it fires.
    const forward =
      <A>(name: Callback) =>
      (a: A) =>
        ((overrides[name] ?? latest.current[name]) as ((a: A) => void) | undefined)?.(a);
    const onClose = forward<CloseResponse>("onClose");
    const onReady = forward<void>("onReady");
    const h = HumanConnect.open({
      ...latest.current,
      ...overrides,
      token: overrides.token ?? latest.current.token ?? "",
      onConnectSource: forward("onConnectSource"),
      onDisconnectSource: forward("onDisconnectSource"),
      onEvent: forward("onEvent"),
      onReady() {
        set({ isOpen: true, ready: true, error: null });
        onReady();
      },
      onClose(response) {
        if (handle.current == h) handle.current = null;
        set({ isOpen: false, ready: false, error: response.status == "SUCCESS" ? null : response.status });
        onClose(response);
      },
    });
    if (held.has(h)) return;
    held.add(h);
    handle.current = h;
    set({ isOpen: true, ready: false, error: null });
  }, []);

  const close = useCallback(() => handle.current?.close(), []);
  return useMemo(() => ({ open, close, ...state }), [state]);
}
