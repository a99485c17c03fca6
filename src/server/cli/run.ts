import { readFileSync } from "node:fs";
import { extname, resolve } from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { parseCatalog } from "../catalog/import.ts";
import { allowPrivateWebhooksFromEnv, startServer } from "../main.ts";
import { systemClock } from "../clock.ts";
import { openServices, type OpenedServices } from "../open-services.ts";
import { trustedProxyHops } from "../proxy.ts";
import { DATABASE_FILE, isPostgresUrl } from "../store/open-store.ts";
import type { ClientRecord } from "../store/types.ts";
import { InviteOptionsError, createInviteLink } from "../invites/invite-token.ts";
import { existsSync } from "node:fs";
import { sandboxEhrCommand } from "../../sandbox-ehr/command.ts";
import { join } from "node:path";

/** Where the CLI writes; tests pass their own. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

/** A failure the CLI reports in one line, exiting non-zero. */
export class CliError extends Error {}

const USAGE = `Usage: human-connect <command> [options]

Commands:
  serve [--port N] [--host H] [--data-dir DIR] [--public-url URL]
                                   Run the Connect service (PORT, HOST, HC_DATA_DIR, HC_PUBLIC_URL,
                                   HC_MASTER_KEY, HC_TRUST_PROXY, LOG_LEVEL, SMTP_URL, MAIL_FROM,
                                   HC_WEBHOOKS_HTTPS_ONLY, HC_WEBHOOKS_ALLOW_PRIVATE, HC_WEBHOOK_TIMEOUT_MS,
                                   HC_METRICS_TOKEN, HC_SHUTDOWN_DRAIN_MS, HC_SANDBOX, DATABASE_URL).
  clients create --name NAME --origin URL [--origin URL ...] [--color #RRGGBB] [--logo-url URL]
                 [--redirect-url URL] [--allow-client-tokens] [--no-id-tokens] [--json]
                                   Create a client app and print its credentials once.
  clients list [--json]            List client apps (never their secrets).
  clients rotate-secret CLIENT_ID [--revoke-tokens] [--json]
                                   Replace a client's secret and print the new one once. Client tokens,
                                   Portal sessions and invite links of the old secret stop working; with
                                   --revoke-tokens every session, id and refresh token issued goes too.
  clients disable CLIENT_ID        Refuse every token request and Connect session of a client.
  clients enable CLIENT_ID         Undo disable.
  invite --client-id ID --client-user-id USER --email EMAIL [--expires-in 3d] [--base-url URL] [--json]
                                   Print an invite link (seed 000) and mark the user Invited. The secret comes
                                   from HC_CLIENT_SECRET, else from the data dir's store; never from a flag.
                                   Base URL: --base-url, HC_PUBLIC_URL, else http://localhost:PORT (8080).
  sources import FILE [--format json|csv]
                                   Load catalog sources from a JSON array or a CSV file; running services
                                   search them within seconds. Rows with auth "smart" also take
                                   fhir_base_url, smart_client_id, smart_client_secret and scopes.
  sandbox-ehr [--port 9090] [--host 127.0.0.1] [--client-secret SECRET]
                                   Run a sandbox SMART on FHIR EHR on its own origin (test patients
                                   demo/demo, jordan/jordan, sam/sam). With --client-secret its token
                                   endpoint requires that secret.

Every command takes --data-dir DIR (default: HC_DATA_DIR or ./.data) and --database-url URL (default:
DATABASE_URL). With a postgres:// URL every command uses that PostgreSQL database instead of the data dir's
SQLite file, and HC_MASTER_KEY is required.
`;

const COMMON = { "data-dir": { type: "string" }, "database-url": { type: "string" }, help: { type: "boolean", short: "h" } } as const;

function parse<T extends NonNullable<ParseArgsConfig["options"]>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options: { ...COMMON, ...options }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new CliError((err as Error).message);
  }
}

function dataDirOf(value: string | boolean | undefined, env: NodeJS.ProcessEnv): string {
  return resolve(typeof value === "string" && value !== "" ? value : (env.HC_DATA_DIR ?? "./.data"));
}

function checkOrigin(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliError(`--origin ${JSON.stringify(value)} is not a URL (expected e.g. https://app.example.com)`);
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.origin !== value.replace(/\/$/, "")) {
    throw new CliError(`--origin ${JSON.stringify(value)} must be a bare origin like https://app.example.com (no path)`);
  }
  return url.origin;
}

function checkUrl(flag: string, value: string | undefined): string | null {
  if (value === undefined) return null;
  try {
    const url = new URL(value);
    if (url.protocol === "http:" || url.protocol === "https:") return url.toString();
  } catch {
    // reported below
  }
  throw new CliError(`${flag} must be an http(s) URL`);
}

/** Where a command's store is: PostgreSQL from --database-url or DATABASE_URL, else SQLite in the data dir. */
interface StoreLocation {
  dataDir: string;
  databaseUrl: string | undefined;
}

function locationOf(values: { "data-dir"?: string | boolean | undefined; "database-url"?: string | boolean | undefined }, env: NodeJS.ProcessEnv): StoreLocation {
  const raw = typeof values["database-url"] === "string" ? values["database-url"] : env.DATABASE_URL;
  const databaseUrl = raw === undefined || raw === "" ? undefined : raw;
  if (databaseUrl !== undefined && !isPostgresUrl(databaseUrl)) {
    throw new CliError("the database URL must start with postgres:// or postgresql://");
  }
  return { dataDir: dataDirOf(values["data-dir"], env), databaseUrl };
}

async function withServices<T>(location: StoreLocation, env: NodeJS.ProcessEnv, fn: (opened: OpenedServices) => Promise<T>): Promise<T> {
  const opened = await openServices({ ...location, clock: systemClock, env });
  try {
    return await fn(opened);
  } finally {
    await opened.store.close();
  }
}

function describeClient(c: ClientRecord): string {
  const flags = [c.disabled ? "DISABLED" : "active", c.permissions.idTokens ? "id-tokens" : "no-id-tokens"];
  if (c.permissions.clientTokens) flags.push("client-tokens");
  return `${c.clientId}  ${c.name}  [${flags.join(", ")}]  origins: ${c.allowedOrigins.join(" ") || "(none)"}`;
}

async function clientsCommand(args: string[], io: CliIo): Promise<number> {
  const [action, ...rest] = args;
  switch (action) {
    case "create": {
      const { values } = parse(rest, {
        name: { type: "string" },
        origin: { type: "string", multiple: true },
        color: { type: "string" },
        "logo-url": { type: "string" },
        "redirect-url": { type: "string" },
        "allow-client-tokens": { type: "boolean" },
        "no-id-tokens": { type: "boolean" },
        json: { type: "boolean" },
      });
      const name = values.name?.trim();
      if (!name) throw new CliError("clients create needs --name");
      if (name.length > 200) throw new CliError("--name must be at most 200 characters");
      const origins = (values.origin ?? []).map(checkOrigin);
      if (origins.length === 0) throw new CliError("clients create needs at least one --origin (the web origin that embeds Connect)");
      if (values.color !== undefined && !/^#[0-9a-fA-F]{6}$/.test(values.color)) {
        throw new CliError("--color must look like #1D4ED8");
      }
      const creds = await withServices(locationOf(values, io.env), io.env, ({ store, services }) =>
        services.clients.create({
          name,
          allowedOrigins: [...new Set(origins)],
          primaryColor: values.color ?? null,
          logoUrl: checkUrl("--logo-url", values["logo-url"]),
          redirectUrl: checkUrl("--redirect-url", values["redirect-url"]),
          permissions: { idTokens: !values["no-id-tokens"], clientTokens: values["allow-client-tokens"] === true },
        }),
      );
      if (values.json) {
        io.stdout(JSON.stringify({ client_id: creds.client_id, client_secret: creds.client_secret }) + "\n");
      } else {
        io.stdout(
          `Created client "${name}".\n  client_id:     ${creds.client_id}\n  client_secret: ${creds.client_secret}\n` +
            "Store the secret now: it is not shown again (rotate it with `clients rotate-secret`).\n",
        );
      }
      return 0;
    }
    case "list": {
      const { values } = parse(rest, { json: { type: "boolean" } });
      const clients = await withServices(locationOf(values, io.env), io.env, ({ store, services }) => store.clients.list());
      if (values.json) {
        io.stdout(
          JSON.stringify(
            clients.map((c) => ({
              client_id: c.clientId,
              name: c.name,
              allowed_origins: c.allowedOrigins,
              primary_color: c.primaryColor,
              logo_url: c.logoUrl,
              redirect_url: c.redirectUrl,
              id_tokens: c.permissions.idTokens,
              client_tokens: c.permissions.clientTokens,
              disabled: c.disabled,
              created_at: new Date(c.createdAt).toISOString(),
            })),
            null,
            2,
          ) + "\n",
        );
      } else if (clients.length === 0) {
        io.stdout("No clients yet. Create one with: human-connect clients create --name NAME --origin URL\n");
      } else {
        io.stdout(clients.map(describeClient).join("\n") + "\n");
      }
      return 0;
    }
    case "rotate-secret": {
      const { values, positionals } = parse(rest, { json: { type: "boolean" }, "revoke-tokens": { type: "boolean" } });
      const clientId = positionals[0];
      if (!clientId) throw new CliError("clients rotate-secret needs a CLIENT_ID");
      const revokeTokens = values["revoke-tokens"] === true;
      const creds = await withServices(locationOf(values, io.env), io.env, ({ services }) => services.clients.rotateSecret(clientId, { revokeTokens }));
      if (!creds) throw new CliError(`no client ${clientId}`);
      io.stdout(
        values.json
          ? JSON.stringify(creds) + "\n"
          : `New secret for ${clientId}:\n  client_secret: ${creds.client_secret}\nThe old secret no longer works.` +
              (revokeTokens ? " Every token issued to this client was revoked.\n" : " Session, id and refresh tokens already issued work until they expire (--revoke-tokens ends them).\n"),
      );
      return 0;
    }
    case "disable":
    case "enable": {
      const { values, positionals } = parse(rest, {});
      const clientId = positionals[0];
      if (!clientId) throw new CliError(`clients ${action} needs a CLIENT_ID`);
      const ok = await withServices(locationOf(values, io.env), io.env, ({ services }) =>
        services.clients.setDisabled(clientId, action === "disable"),
      );
      if (!ok) throw new CliError(`no client ${clientId}`);
      io.stdout(`Client ${clientId} ${action === "disable" ? "disabled" : "enabled"}.\n`);
      return 0;
    }
    default:
      throw new CliError(action ? `unknown command: clients ${action}` : "clients needs a subcommand (create, list, rotate-secret, disable, enable)");
  }
}

async function inviteCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, {
    "client-id": { type: "string" },
    "client-user-id": { type: "string" },
    email: { type: "string" },
    "expires-in": { type: "string" },
    "base-url": { type: "string" },
    json: { type: "boolean" },
  });
  if (positionals.length > 0) throw new CliError(`unexpected argument: ${positionals[0]}`);
  const clientId = values["client-id"];
  const clientUserId = values["client-user-id"];
  const email = values.email;
  if (!clientId || !clientUserId || !email) throw new CliError("invite needs --client-id, --client-user-id and --email");
  const baseUrl = checkUrl("--base-url", values["base-url"] ?? io.env.HC_PUBLIC_URL) ?? `http://localhost:${io.env.PORT ?? "8080"}`;
  const location = locationOf(values, io.env);
  const { dataDir } = location;
  const hasStore = location.databaseUrl !== undefined || existsSync(join(dataDir, DATABASE_FILE));
  const envSecret = io.env.HC_CLIENT_SECRET;
  if (!hasStore && !envSecret) {
    throw new CliError(`no client secret: set HC_CLIENT_SECRET, or run where the service's data dir is (${dataDir})`);
  }
  const opened = hasStore ? await openServices({ ...location, clock: systemClock, env: io.env }) : undefined;
  try {
    let secret = envSecret;
    if (opened) {
      const { store, services } = opened;
      const client = await store.clients.get(clientId);
      if (!client) throw new CliError(`no client ${clientId} in ${location.databaseUrl ? "the database" : dataDir}`);
      if (secret) {
        if (!(await services.clients.verifySecret(clientId, secret))) {
          throw new CliError("HC_CLIENT_SECRET is not the current secret of this client (was it rotated?)");
        }
      } else {
        secret = await services.clients.secretOf(clientId);
      }
    }
    let link;
    try {
      link = await createInviteLink({ clientId, clientSecret: secret!, clientUserId, email, expiresIn: values["expires-in"] ?? "3d", baseUrl });
    } catch (err) {
      if (err instanceof InviteOptionsError) throw new CliError(err.message);
      throw err;
    }
    if (opened) await opened.services.users.markInvited({ clientId, clientUserId, email, via: "link", expiresAt: link.expiresAt });
    else io.stderr("note: no data dir here, so the user's Invited status was not recorded\n");
    if (link.warning) io.stderr(`warning: ${link.warning}\n`);
    io.stdout(values.json ? JSON.stringify({ url: link.url, expires_at: link.expiresAt, warning: link.warning }) + "\n" : link.url + "\n");
    return 0;
  } finally {
    await opened?.store.close();
  }
}

async function sourcesCommand(args: string[], io: CliIo): Promise<number> {
  const [action, ...rest] = args;
  if (action !== "import") throw new CliError(action ? `unknown command: sources ${action}` : "sources needs a subcommand (import)");
  const { values, positionals } = parse(rest, { format: { type: "string" } });
  const file = positionals[0];
  if (!file) throw new CliError("sources import needs a FILE");
  const format = values.format ?? (extname(file).toLowerCase() === ".csv" ? "csv" : "json");
  if (format !== "json" && format !== "csv") throw new CliError("--format must be json or csv");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let records;
  try {
    records = parseCatalog(text, format);
  } catch (err) {
    throw new CliError(`${file}: ${(err as Error).message}`);
  }
  await withServices(locationOf(values, io.env), io.env, ({ services }) => services.smart.importCatalog(records, Date.now()));
  io.stdout(`Imported ${records.length} source${records.length === 1 ? "" : "s"} from ${file}. Running services search them within seconds.\n`);
  return 0;
}

function portOf(value: string | undefined): number {
  const port = Number(value);
  if (!/^\d{1,5}$/.test(value ?? "") || port > 65535) throw new CliError(`invalid port: ${value}`);
  return port;
}

function portLikeCount(value: string): number {
  if (!/^\d{1,7}$/.test(value)) throw new CliError("HC_SANDBOX_SOURCES must be a number of sources");
  return Number(value);
}

function webhookTimeoutOf(value: string): number {
  if (!/^\d{1,6}$/.test(value) || Number(value) < 100) throw new CliError("HC_WEBHOOK_TIMEOUT_MS must be a number of milliseconds, at least 100");
  return Number(value);
}

/** Default pause between SIGTERM and closing the listener, during which /readyz answers 503. */
const DEFAULT_SHUTDOWN_DRAIN_MS = 5000;

function shutdownDrainOf(value: string | undefined): number {
  if (value === undefined || value === "") return DEFAULT_SHUTDOWN_DRAIN_MS;
  if (!/^\d{1,7}$/.test(value)) throw new CliError("HC_SHUTDOWN_DRAIN_MS must be a whole number of milliseconds (e.g. 5000, or 0 for none)");
  return Number(value);
}

function metricsTokenOf(value: string | undefined): string | undefined {
  if (value === undefined || value === "") return undefined;
  // It travels in an Authorization header, and a short one could be guessed.
  if (!/^[\x21-\x7e]{16,256}$/.test(value)) {
    throw new CliError("HC_METRICS_TOKEN must be 16 to 256 printable characters without spaces (e.g. `openssl rand -hex 32`)");
  }
  return value;
}

function trustProxyOf(value: string | undefined): number {
  if (value === undefined || value === "" || value === "0" || value === "false") return 0;
  const hops = trustedProxyHops(value);
  if (hops === 0) throw new CliError("HC_TRUST_PROXY must be 1 (or true) for one proxy you run, or the number of proxies in front");
  return hops;
}

function sandboxOf(value: string | undefined): boolean {
  if (value === undefined || value === "" || value === "1" || value === "true") return true;
  if (value === "0" || value === "false") return false;
  throw new CliError("HC_SANDBOX must be 1 (the sandbox's routes on, the default) or 0 (off)");
}

async function serveCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, { port: { type: "string" }, host: { type: "string" }, "public-url": { type: "string" } });
  const port = portOf(values.port ?? io.env.PORT ?? "8080");
  const publicUrl = checkUrl("--public-url", values["public-url"] ?? io.env.HC_PUBLIC_URL) ?? undefined;
  const location = locationOf(values, io.env);
  const shutdownDrainMs = shutdownDrainOf(io.env.HC_SHUTDOWN_DRAIN_MS);
  const metricsToken = metricsTokenOf(io.env.HC_METRICS_TOKEN);
  const server = await startServer({
    port,
    host: values.host ?? io.env.HOST ?? "127.0.0.1",
    ...location,
    ...(publicUrl ? { publicUrl } : {}),
    trustProxy: trustProxyOf(io.env.HC_TRUST_PROXY),
    ...(io.env.HC_SANDBOX_SOURCES ? { catalogSize: portLikeCount(io.env.HC_SANDBOX_SOURCES) } : {}),
    smtpUrl: io.env.SMTP_URL ?? null,
    ...(io.env.MAIL_FROM ? { mailFrom: io.env.MAIL_FROM } : {}),
    allowHttpWebhooks: !(io.env.HC_WEBHOOKS_HTTPS_ONLY === "1" || io.env.HC_WEBHOOKS_HTTPS_ONLY === "true"),
    allowPrivateWebhooks: allowPrivateWebhooksFromEnv(io.env),
    ...(io.env.HC_WEBHOOK_TIMEOUT_MS ? { webhooks: { timeoutMs: webhookTimeoutOf(io.env.HC_WEBHOOK_TIMEOUT_MS) } } : {}),
    shutdownDrainMs,
    sandbox: sandboxOf(io.env.HC_SANDBOX),
    ...(metricsToken ? { metricsToken } : {}),
  });
  await new Promise<void>((resolveStop) => {
    const stop = () => {
      process.off("SIGTERM", stop);
      process.off("SIGINT", stop);
      server.close().then(resolveStop, (err: unknown) => {
        io.stderr(`error while stopping: ${String(err)}\n`);
        resolveStop();
      });
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
  });
  return 0;
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function runCli(
  argv: string[],
  io: CliIo = {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
  },
): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === "help" || command === "--help" || command === "-h") {
      (command === undefined ? io.stderr : io.stdout)(USAGE);
      return command === undefined ? 2 : 0;
    }
    if (rest.includes("--help") || rest.includes("-h")) {
      io.stdout(USAGE);
      return 0;
    }
    switch (command) {
      case "serve":
        return await serveCommand(rest, io);
      case "clients":
        return await clientsCommand(rest, io);
      case "sources":
        return await sourcesCommand(rest, io);
      case "invite":
        return await inviteCommand(rest, io);
      case "sandbox-ehr":
        try {
          return await sandboxEhrCommand(rest, io);
        } catch (err) {
          throw new CliError((err as Error).message);
        }
      default:
        throw new CliError(`unknown command: ${command}`);
    }
  } catch (err) {
    if (err instanceof CliError) {
      io.stderr(`human-connect: ${err.message}\n(run \`human-connect --help\` for usage)\n`);
      return 1;
    }
    io.stderr(`human-connect: ${(err as Error).message ?? String(err)}\n`);
    return 1;
  }
}
