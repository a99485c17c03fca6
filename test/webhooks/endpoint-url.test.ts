import { describe, expect, it } from "vitest";
import { checkWebhookEndpointUrl } from "../../src/server/webhooks/endpoint-url.ts";

describe("checkWebhookEndpointUrl", () => {
  it("accepts http(s) URLs and normalises them", () => {
    expect(checkWebhookEndpointUrl("https://hooks.example.com/human-connect?x=1")).toEqual({
      ok: true,
      url: "https://hooks.example.com/human-connect?x=1",
    });
    expect(checkWebhookEndpointUrl("http://localhost:3000/webhooks")).toEqual({ ok: true, url: "http://localhost:3000/webhooks" });
    expect(checkWebhookEndpointUrl("HTTPS://Example.COM")).toEqual({ ok: true, url: "https://example.com/" });
  });

  it("refuses other schemes, credentials, fragments, relative and oversized URLs", () => {
    const bad: unknown[] = [
      undefined,
      42,
      "",
      "/webhooks",
      "ftp://example.com/x",
      "javascript:alert(1)",
      "file:///etc/passwd",
      "https://user:pass@example.com/",
      "https://example.com/#frag",
      "https://example.com/" + "a".repeat(2048),
    ];
    for (const input of bad) expect(checkWebhookEndpointUrl(input), String(input).slice(0, 40)).toMatchObject({ ok: false, code: "WEBHOOK_URL_INVALID" });
  });

  it("refuses plain http when the policy asks for https", () => {
    expect(checkWebhookEndpointUrl("http://hooks.example.com/", { allowHttp: false })).toMatchObject({ ok: false, message: /https/ });
    expect(checkWebhookEndpointUrl("https://hooks.example.com/", { allowHttp: false }).ok).toBe(true);
  });
});
