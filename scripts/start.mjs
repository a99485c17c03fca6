// `npm start`: the Connect service on :8080, the Demo Health site on :3000 and the sandbox EHR on :9090, together.
// Builds first when dist/ is missing, creates the demo client once (kept in .data/demo-client.json so restarts reuse
// it), prints where to go, and stops both on Ctrl-C / SIGTERM.
import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
process.chdir(root);

const PORT = Number(process.env.PORT ?? 8080);
const DEMO_PORT = Number(process.env.DEMO_PORT ?? 3000);
const DATA_DIR = process.env.HC_DATA_DIR ?? join(root, ".data");
const CONNECT_URL = `http://localhost:${PORT}`;
const DEMO_ORIGIN = `http://localhost:${DEMO_PORT}`;
const CLI = join(root, "dist/node/src/server/cli.js");
const DEMO = join(root, "dist/node/demo/server.js");
const CLIENT_FILE = join(DATA_DIR, "demo-client.json");
const EHR_PORT = Number(process.env.EHR_PORT ?? 9090);
// 127.0.0.1 rather than localhost: the service and the browser must reach the same address, whatever localhost
// resolves to first.
const EHR_URL = `http://127.0.0.1:${EHR_PORT}`;
const SMART_CATALOG_FILE = join(DATA_DIR, "demo-smart-sources.json");

/** The demo's SMART on FHIR sources: each a health system whose "EHR" is the sandbox EHR. */
const SMART_SOURCES = [
  ["e4c0de0000000000000000a1", "Lakeside Health System", "hospital", "Cleveland", "OH"],
  ["e4c0de0000000000000000a2", "Riverbend Family Clinic", "clinic", "Portland", "OR"],
  ["e4c0de0000000000000000a3", "Summit Health Plan", "insurer", "Denver", "CO"],
].map(([id, name, type, city, state]) => ({
  id,
  name,
  type,
  city,
  state,
  auth: "smart",
  description: "SMART on FHIR: sign in at the sandbox EHR (demo / demo).",
  fhir_base_url: `${EHR_URL}/fhir`,
  smart_client_id: "human-connect-demo",
}));

const built = [CLI, DEMO, "dist/connect.js", "dist/index.js", "dist/react.js", "dist/demo/react-app.js", "dist/app/index.html"].every((f) => existsSync(f));
if (!built) {
  console.log("start: building (dist/ is missing)…");
  execFileSync(process.execPath, ["scripts/build.mjs", "--quiet"], { stdio: "inherit" });
}
mkdirSync(DATA_DIR, { recursive: true });

function demoClient() {
  if (existsSync(CLIENT_FILE)) {
    const saved = JSON.parse(readFileSync(CLIENT_FILE, "utf8"));
    if (saved.origin === DEMO_ORIGIN && saved.client_id && saved.client_secret) return saved;
  }
  const out = execFileSync(
    process.execPath,
    [CLI, "clients", "create", "--name", "Demo Health", "--origin", DEMO_ORIGIN, "--json", "--data-dir", DATA_DIR],
    { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
  );
  const { client_id, client_secret } = JSON.parse(out);
  const saved = { client_id, client_secret, origin: DEMO_ORIGIN };
  writeFileSync(CLIENT_FILE, JSON.stringify(saved, null, 2) + "\n", { mode: 0o600 });
  return saved;
}

let client = demoClient();
const children = new Set();
let stopping = false;

function run(name, args, env) {
  const child = spawn(process.execPath, args, { stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, ...env } });
  children.add(child);
  child.on("exit", (code, signal) => {
    children.delete(child);
    if (!stopping) {
      console.error(`start: ${name} stopped (${signal ?? `exit code ${code}`}); stopping everything.`);
      stop(code || 1);
    } else if (children.size === 0) process.exit(process.exitCode ?? 0);
  });
  return child;
}

function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  process.exitCode = code;
  if (children.size === 0) process.exit(code);
  for (const child of children) child.kill("SIGTERM");
  // Whatever has not stopped after 5 s is ended.
  setTimeout(() => {
    for (const child of children) child.kill("SIGKILL");
    process.exit(code);
  }, 5000).unref();
}
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));

// A saved client that the service no longer knows (its database was replaced) is created again.
async function checkedClient(saved) {
  if (stopping) return saved;
  const res = await fetch(`${CONNECT_URL}/v1/connect/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ type: "id", client_id: saved.client_id, client_secret: saved.client_secret, client_user_id: "start-check" }),
  }).catch(() => null);
  const body = res ? await res.json().catch(() => ({})) : {};
  if (body.errorCode !== "INVALID_CLIENT_ID" && body.errorCode !== "INVALID_CLIENT_ID_OR_SECRET") return saved;
  console.log("start: the saved demo client is unknown to the service; creating a new one.");
  writeFileSync(CLIENT_FILE, "{}");
  return demoClient();
}

async function waitFor(url, what) {
  for (let i = 0; i < 150 && !stopping; i++) {
    try {
      const res = await fetch(url);
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  if (!stopping) {
    console.error(`start: ${what} did not come up at ${url}`);
    stop(1);
  }
}

run("the sandbox EHR", [CLI, "sandbox-ehr", "--port", String(EHR_PORT), "--host", "127.0.0.1"], {});
await waitFor(`${EHR_URL}/fhir/metadata`, "the sandbox EHR");
run("the Connect service", [CLI, "serve", "--port", String(PORT), "--data-dir", DATA_DIR], {
  PORT: String(PORT),
  HC_DATA_DIR: DATA_DIR,
  HC_WEBHOOKS_ALLOW_PRIVATE: process.env.HC_WEBHOOKS_ALLOW_PRIVATE ?? "1", // local receivers, e.g. localhost:4000
});
await waitFor(`${CONNECT_URL}/connect.js`, "the Connect service");
// After the service has seeded its sandbox catalog (it seeds an empty one only): the SMART sources join it.
if (!stopping) {
  writeFileSync(SMART_CATALOG_FILE, JSON.stringify(SMART_SOURCES, null, 2) + "\n");
  execFileSync(process.execPath, [CLI, "sources", "import", SMART_CATALOG_FILE, "--data-dir", DATA_DIR], { stdio: ["ignore", "ignore", "inherit"] });
}
client = await checkedClient(client);
run("the demo site", [DEMO], {
  DEMO_PORT: String(DEMO_PORT),
  CONNECT_URL,
  DEMO_CLIENT_ID: client.client_id,
  DEMO_CLIENT_SECRET: client.client_secret,
});
await waitFor(`${DEMO_ORIGIN}/`, "the demo site");
if (!stopping) {
  console.log(`
  Human Connect is running.

    Demo site (open this):  ${DEMO_ORIGIN}/            (script tag)
                            ${DEMO_ORIGIN}/npm.html    (npm import)
    Connect service:        ${CONNECT_URL}

  Demo client "Demo Health" (saved in ${CLIENT_FILE}):
    client_id:      ${client.client_id}
    client_secret:  ${client.client_secret}

    Sandbox EHR (SMART):    ${EHR_URL}/fhir

  Sandbox sign-in: username demo, password demo (try "Starfleet Pharmacy"); username mfa, code 123456.
  SMART on FHIR: try "Lakeside Health System"; at the sandbox EHR sign in as demo / demo (or jordan / jordan).
  Press Ctrl-C to stop.
`);
}
