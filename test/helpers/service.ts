import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Clock } from "../../src/server/clock.ts";
import { startServer, type StartServerOptions } from "../../src/server/main.ts";
import type { Services } from "../../src/server/services.ts";
import type { Store } from "../../src/server/store/types.ts";

/** Credentials of a client created for a test. */
export interface TestClientCredentials {
  client_id: string;
  client_secret: string;
}

/** A Connect service started for one test file on a free port with its own data dir. */
export interface TestService {
  url: string;
  port: number;
  store: Store;
  services: Services;
  dataDir: string;
  /** Stops the service (the data dir is kept when it was given, removed when it was made here). */
  close(): Promise<void>;
  createClient(opts: {
    name?: string;
    origins: string[];
    permissions?: { idTokens?: boolean; clientTokens?: boolean };
    primaryColor?: string | null;
    logoUrl?: string | null;
  }): Promise<TestClientCredentials>;
  /** Asks the token endpoint over HTTP for a session token. */
  sessionToken(clientId: string, secret: string, clientUserId: string, email?: string): Promise<string>;
}

/** Starts the real service over HTTP for a test: port 0, logger off, a temp data dir unless one is given. */
export async function startTestService(
  opts: { clock?: Clock; dataDir?: string } & Partial<Omit<StartServerOptions, "dataDir" | "clock">> = {},
): Promise<TestService> {
  const { clock, dataDir: givenDir, ...rest } = opts;
  const ownDir = givenDir === undefined;
  const dataDir = givenDir ?? mkdtempSync(join(tmpdir(), "hc-test-"));
  const server = await startServer({
    port: 0,
    logger: false,
    // The tests' webhook receivers listen on 127.0.0.1; tests of the address policy pass false.
    allowPrivateWebhooks: true,
    ...rest,
    dataDir,
    ...(clock ? { clock } : {}),
  });
  return {
    url: server.url,
    port: server.port,
    store: server.store,
    services: server.services,
    dataDir,
    async close() {
      await server.close();
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
    createClient(c) {
      return server.services.clients.create({
        name: c.name ?? "Test Client",
        allowedOrigins: c.origins,
        permissions: c.permissions ?? {},
        primaryColor: c.primaryColor ?? null,
        logoUrl: c.logoUrl ?? null,
      });
    },
    async sessionToken(clientId, secret, clientUserId, email) {
      const res = await fetch(`${server.url}/v1/connect/token`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          type: "session",
          client_id: clientId,
          client_secret: secret,
          client_user_id: clientUserId,
          client_user_email: email ?? "user@example.com",
        }),
      });
      const body = (await res.json()) as { session_token?: string; errorCode?: string };
      if (!res.ok || !body.session_token) {
        throw new Error(`session token request failed: ${res.status} ${body.errorCode ?? ""}`);
      }
      return body.session_token;
    },
  };
}
