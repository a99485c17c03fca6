// The Chromium that the benchmark and the end-to-end tests drive, and the flags both start it with.

/** CHROMIUM_PATH, or Debian's Chromium. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Headless, without the sandbox (containers), the GPU or background traffic that would disturb a run. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
