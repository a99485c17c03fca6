/** CHROMIUM_PATH, or Debian's Chromium. */
export declare const CHROMIUM_PATH: string;
/** The flags the benchmark and the end-to-end tests start Chromium with. */
export declare const CHROMIUM_ARGS: string[];
