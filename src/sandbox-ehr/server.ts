// Runs the sandbox EHR on its own port: its own process for `human-connect sandbox-ehr`, or inside a test.
import { serve } from "@hono/node-server";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { FHIR_PATH, sandboxEhrApp, type SandboxEhrOptions } from "./app.ts";
import { SandboxGrants } from "./grants.ts";

/** A running sandbox EHR. */
export interface RunningSandboxEhr {
  /** Its origin, e.g. http://127.0.0.1:9090. */
  url: string;
  /** Its FHIR base URL, the `fhir_base_url` of a catalog row. */
  fhirBaseUrl: string;
  grants: SandboxGrants;
  close(): Promise<void>;
}

/** Starts the sandbox EHR on `host:port` (port 0: any free port). */
export async function startSandboxEhr(opts: SandboxEhrOptions & { port?: number; host?: string } = {}): Promise<RunningSandboxEhr> {
  const grants = new SandboxGrants();
  const app = sandboxEhrApp({ clientSecret: opts.clientSecret }, grants);
  const host = opts.host ?? "127.0.0.1";
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: opts.port ?? 9090, hostname: host }) as Server;
    s.once("listening", () => resolve(s));
    s.once("error", reject);
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  return {
    url,
    fhirBaseUrl: url + FHIR_PATH,
    grants,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
