import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { startTestService, type TestService } from "../helpers/service.ts";

const distDir = mkdtempSync(join(tmpdir(), "hc-dist-"));
let svc: TestService;
let client: { client_id: string };

beforeAll(async () => {
  mkdirSync(join(distDir, "app", "assets"), { recursive: true });
  writeFileSync(join(distDir, "app", "index.html"), '<!doctype html><title>Connect</title><script type="module" src="/assets/connect-abc123.js"></script>');
  writeFileSync(join(distDir, "app", "assets", "connect-abc123.js"), "console.log('app');");
  writeFileSync(join(distDir, "app", "assets", "connect-abc123.css"), "body{}");
  writeFileSync(join(distDir, "connect.js"), "window.HumanConnect={};");
  writeFileSync(join(distDir, "secret.txt"), "not for the web");
  svc = await startTestService({ distDir, catalogSize: 2000 });
  client = await svc.createClient({ origins: ["http://localhost:3000", "https://shop.example"] });
});
afterAll(async () => {
  await svc.close();
  rmSync(distDir, { recursive: true, force: true });
});

test("GET /connect serves the app page; with a known client_id frame-ancestors lists its origins", async () => {
  const plain = await fetch(`${svc.url}/connect`);
  expect(plain.status).toBe(200);
  expect(plain.headers.get("content-type")).toContain("text/html");
  expect(plain.headers.get("cache-control")).toBe("no-cache");
  expect(await plain.text()).toContain("/assets/connect-abc123.js");
  expect(plain.headers.get("content-security-policy")).not.toContain("frame-ancestors");

  const framed = await fetch(`${svc.url}/connect?client_id=${client.client_id}&lang=en`);
  expect(framed.headers.get("content-security-policy")).toContain("frame-ancestors http://localhost:3000 https://shop.example");
  expect(framed.headers.get("content-security-policy")).toContain("script-src 'self'");

  const unknown = await fetch(`${svc.url}/connect?client_id=${"0".repeat(40)}`);
  expect(unknown.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
  const garbage = await fetch(`${svc.url}/connect?client_id=${encodeURIComponent("x; script-src *")}`);
  expect(garbage.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
  expect(garbage.headers.get("content-security-policy")).not.toContain("script-src *");
});

test("assets are cached for a year, connect.js briefly, with the right types", async () => {
  const js = await fetch(`${svc.url}/assets/connect-abc123.js`);
  expect(js.status).toBe(200);
  expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
  expect(js.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
  expect((await fetch(`${svc.url}/assets/connect-abc123.css`)).headers.get("content-type")).toBe("text/css; charset=utf-8");
  const loader = await fetch(`${svc.url}/connect.js`);
  expect(loader.status).toBe(200);
  expect(await loader.text()).toBe("window.HumanConnect={};");
  expect(loader.headers.get("cache-control")).toBe("public, max-age=300");
});

test("no path escapes the assets folder", async () => {
  for (const path of ["/assets/../../secret.txt", "/assets/..%2f..%2fsecret.txt", "/assets/%2e%2e/%2e%2e/secret.txt", "/assets/", "/assets/missing.js", "/assets/%00"]) {
    const res = await fetch(`${svc.url}${path}`);
    expect(res.status, path).toBe(404);
    expect(await res.text()).not.toContain("not for the web");
  }
});

test("health check", async () => {
  const res = await fetch(`${svc.url}/healthz`);
  expect(await res.json()).toEqual({ status: "ok" });
});
