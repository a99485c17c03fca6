// Public Node entry of the package (`human-connect/server`): run the Connect service from your own code.
export { startServer } from "./main.ts";
export type { RunningServer, StartServerOptions } from "./main.ts";
export { createApp } from "./app.ts";
export type { AppDeps } from "./app.ts";
export { Store } from "./store/store.ts";
export type { ClientCredentials, ClientPermissions, ClientRecord, HumanRecord, NewClient } from "./store/store.ts";
export { ManualClock, systemClock } from "./clock.ts";
export type { Clock } from "./clock.ts";
export { DEFAULT_RATE_LIMITS } from "./rate-limit.ts";
export type { RateLimitConfig } from "./rate-limit.ts";
