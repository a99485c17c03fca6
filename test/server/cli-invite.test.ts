// `human-connect invite`: prints a link signed with the client's secret (from HC_CLIENT_SECRET or the data dir, never
// a flag), marks the user Invited, and the link opens the hosted page of a running service on the same data dir.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeJwt } from "jose";
import { afterAll, expect, test } from "vitest";
import { runCli } from "../../src/server/cli/run.ts";
import { systemClock } from "../../src/server/clock.ts";
import { openServices } from "../../src/server/open-services.ts";
import { startTestService } from "../helpers/service.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function cli(env: NodeJS.ProcessEnv, ...argv: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env });
  return { code, stdout, stderr };
}

async function clientIn(dataDir: string) {
  const { store, services } = await openServices({ dataDir, clock: systemClock });
  try {
    return await services.clients.create({ name: "CLI Health", allowedOrigins: ["http://localhost:3000"] });
  } finally {
    await store.close();
  }
}

test("with the secret from the data dir: prints the link, marks the user Invited, and the link opens", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "hc-cli-invite-"));
  dirs.push(dataDir);
  const creds = await clientIn(dataDir);
  const svc = await startTestService({ dataDir, catalogSize: 2000 });
  try {
    const out = await cli({}, "invite", "--client-id", creds.client_id, "--client-user-id", "cli-u1", "--email", "c1@example.com", "--expires-in", "3d", "--base-url", svc.url, "--data-dir", dataDir);
    expect(out.stderr).toBe("");
    expect(out.code).toBe(0);
    const url = out.stdout.trim();
    expect(url).toMatch(new RegExp(`^${svc.url}/invite\\?token=[A-Za-z0-9._-]+$`));
    const claims = decodeJwt(new URL(url).searchParams.get("token")!);
    expect(Object.keys(claims).sort()).toStrictEqual(["cid", "cuid", "email", "exp", "mtd"]);
    expect(claims).toMatchObject({ mtd: "connect", cid: creds.client_id, cuid: "cli-u1", email: "c1@example.com" });

    const human = await svc.store.humans.find(creds.client_id, "cli-u1");
    expect(human?.invitedAt).not.toBeNull();
    expect(human?.engagedAt).toBeNull();
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect((await svc.store.humans.find(creds.client_id, "cli-u1"))?.engagedAt).toBeNull();
    // Engaged once Connect loads its session with the page's token.
    const token = /"token":"([^"]+)"/.exec(await page.text())![1]!;
    expect((await fetch(`${svc.url}/v1/connect/session`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await svc.store.humans.find(creds.client_id, "cli-u1"))?.engagedAt).not.toBeNull();
  } finally {
    await svc.close();
  }
});

test("HC_CLIENT_SECRET is used and checked; long lifetimes warn; bad input fails with one line", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "hc-cli-invite-"));
  dirs.push(dataDir);
  const creds = await clientIn(dataDir);
  const base = ["invite", "--client-id", creds.client_id, "--client-user-id", "cli-u2", "--email", "c2@example.com", "--data-dir", dataDir];

  const fromEnv = await cli({ HC_CLIENT_SECRET: creds.client_secret }, ...base, "--expires-in", "10d", "--json");
  expect(fromEnv.code).toBe(0);
  expect(JSON.parse(fromEnv.stdout)).toMatchObject({ url: expect.stringContaining("http://localhost:8080/invite?token=") });
  expect(fromEnv.stderr).toContain("warning:");

  const wrong = await cli({ HC_CLIENT_SECRET: "not-the-secret" }, ...base);
  expect(wrong.code).toBe(1);
  expect(wrong.stderr).toContain("HC_CLIENT_SECRET is not the current secret");
  expect(wrong.stdout).toBe("");

  // No flag takes the secret.
  const flag = await cli({}, ...base, "--client-secret", creds.client_secret);
  expect(flag.code).toBe(1);
  expect(flag.stdout).toBe("");

  for (const extra of [["--expires-in", "45d"], ["--expires-in", "soon"]]) {
    const bad = await cli({}, ...base, ...extra);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/expiresIn/);
  }
  const missing = await cli({}, "invite", "--client-id", creds.client_id, "--data-dir", dataDir);
  expect(missing.code).toBe(1);

  const elsewhere = mkdtempSync(join(tmpdir(), "hc-cli-empty-"));
  dirs.push(elsewhere);
  const noSecret = await cli({}, "invite", "--client-id", creds.client_id, "--client-user-id", "x", "--email", "x@example.com", "--data-dir", elsewhere);
  expect(noSecret.code).toBe(1);
  expect(noSecret.stderr).toContain("HC_CLIENT_SECRET");
});
