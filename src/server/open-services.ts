// Opens what one process of the service works on: the store (SQLite in the data dir, or PostgreSQL) and the
// services over it, with the master key that encrypts secrets.
import type { Clock } from "./clock.ts";
import type { EhrNetworkPolicy } from "./smart/outbound-fetch.ts";
import { loadMasterKey } from "./security/crypto.ts";
import { createServices, type Services } from "./services.ts";
import { openStore, type OpenedStore } from "./store/open-store.ts";
import type { Store } from "./store/types.ts";

/** Where and how to open the store. */
export interface OpenServicesOptions {
  dataDir: string;
  /** postgres:// URL; default: the embedded SQLite file in the data dir. */
  databaseUrl?: string | undefined;
  clock: Clock;
  /** How EHRs may be reached; default public addresses over https only. */
  ehrPolicy?: EhrNetworkPolicy | undefined;
  /** 32-byte key for secrets; default HC_MASTER_KEY, else (SQLite only) the data dir's key file. */
  masterKey?: Buffer | undefined;
  env?: Record<string, string | undefined>;
}

/** The store, its setup lock and the services of one process. */
export interface OpenedServices {
  store: Store;
  services: Services;
  exclusive: OpenedStore["exclusive"];
}

/** Thrown when PostgreSQL is asked for without a shared master key. */
export class MissingMasterKeyError extends Error {
  constructor() {
    super(
      "HC_MASTER_KEY is required with a PostgreSQL database: every instance must share one key (32 bytes as 64 hex characters or base64), and a key file on one machine's disk cannot serve several",
    );
  }
}

/** Opens the store and the services; fails when the master key does not decrypt the stored secrets. */
export async function openServices(opts: OpenServicesOptions): Promise<OpenedServices> {
  const env = opts.env ?? process.env;
  let masterKey = opts.masterKey;
  if (!masterKey) {
    if (opts.databaseUrl && !env.HC_MASTER_KEY) throw new MissingMasterKeyError();
    masterKey = loadMasterKey(opts.dataDir, env.HC_MASTER_KEY);
  }
  const { store, exclusive } = await openStore({ dataDir: opts.dataDir, databaseUrl: opts.databaseUrl });
  const services = createServices(store, masterKey, opts.clock, opts.ehrPolicy);
  try {
    await services.clients.checkMasterKey(opts.databaseUrl ? "the database" : opts.dataDir);
  } catch (err) {
    await store.close();
    throw err;
  }
  return { store, services, exclusive };
}
