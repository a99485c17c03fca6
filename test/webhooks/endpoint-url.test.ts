import { describe, expect, it } from "vitest";
import { forbiddenRangeOf } from "../../src/server/webhooks/address-policy.ts";
import { checkWebhookEndpointUrl } from "../../src/server/webhooks/endpoint-url.ts";
import { ALLOWED, REFUSED, urlHost } from "./address-cases.ts";

describe("checkWebhookEndpointUrl", () => {
  it("accepts http(s) URLs and normalises them", () => {
    expect(checkWebhookEndpointUrl("https://hooks.example.com/human-connect?x=1")).toEqual({
      ok: true,
      url: "https://hooks.example.com/human-connect?x=1",
    });
    expect(checkWebhookEndpointUrl("http://hooks.example.com:3000/webhooks")).toEqual({ ok: true, url: "http://hooks.example.com:3000/webhooks" });
    expect(checkWebhookEndpointUrl("HTTPS://Example.COM")).toEqual({ ok: true, url: "https://example.com/" });
    expect(checkWebhookEndpointUrl("https://93.184.215.14/in")).toEqual({ ok: true, url: "https://93.184.215.14/in" });
    expect(checkWebhookEndpointUrl("https://[2606:4700::1111]/in")).toEqual({ ok: true, url: "https://[2606:4700::1111]/in" });
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

  const nonPublic: [string, string][] = [
    ["http://localhost:4000/webhooks", "loopback"],
    ["http://LOCALHOST./x", "loopback"],
    ["http://api.localhost/x", "loopback"],
    ["http://127.0.0.1:4000/", "loopback"],
    ["http://127.8.9.10/", "loopback"],
    // The URL parser turns these spellings into 127.0.0.1 before the check.
    ["http://2130706433/", "loopback"],
    ["http://0x7f.1/", "loopback"],
    ["http://[::1]/", "loopback"],
    ["http://[::ffff:127.0.0.1]/", "loopback"],
    ["http://[::ffff:7f00:1]/", "loopback"],
    ["http://10.1.2.3/", "private"],
    ["http://172.16.0.1/", "private"],
    ["http://172.31.255.255/", "private"],
    ["http://192.168.1.10/", "private"],
    ["http://[fc00::1]/", "private"],
    ["http://[fd12:3456::1]/", "private"],
    ["http://169.254.169.254/latest/meta-data/", "link-local"],
    ["http://[fe80::1]/", "link-local"],
    ["http://[::ffff:169.254.169.254]/", "link-local"],
    ["http://0.0.0.0/", "unspecified"],
    ["http://[::]/", "unspecified"],
    ["http://100.64.0.1/", "shared (CGNAT)"],
    ["http://100.127.255.255/", "shared (CGNAT)"],
    ["http://224.0.0.1/", "multicast"],
    ["http://[ff02::1]/", "multicast"],
    ["http://255.255.255.255/", "reserved"],
    // Every range of the address table, as the host of a registered URL.
    ...REFUSED.map(([address, range]): [string, string] => [`https://${urlHost(address)}/hooks`, range]),
    ["http://203.0.113.5:8080/hooks", "reserved"],
    ["http://[64:ff9b::169.254.169.254]/", "link-local"],
    ["http://[::192.168.0.1]/", "private"],
  ];

  it.each(nonPublic)("refuses %s (%s) by default, with a clear message", (url, range) => {
    const check = checkWebhookEndpointUrl(url);
    expect(check).toMatchObject({ ok: false, code: "WEBHOOK_URL_INVALID" });
    if (!check.ok) {
      expect(check.message).toContain("must point at a public address");
      expect(check.message).toContain(`(${range})`);
    }
  });

  it.each(ALLOWED)("accepts %s (%s), a globally routable address", (address) => {
    const url = `https://${urlHost(address)}/hooks`;
    expect(checkWebhookEndpointUrl(url)).toEqual({ ok: true, url: new URL(url).href });
  });

  it("accepts non-public hosts when the policy allows them (local development)", () => {
    for (const [url] of nonPublic) expect(checkWebhookEndpointUrl(url, { allowPrivate: true }).ok, url).toBe(true);
  });
});

describe("forbiddenRangeOf", () => {
  it("names the range of non-public addresses and passes public ones", () => {
    expect(forbiddenRangeOf("8.8.8.8")).toBeNull();
    expect(forbiddenRangeOf("172.15.255.255")).toBeNull();
    expect(forbiddenRangeOf("172.32.0.0")).toBeNull();
    expect(forbiddenRangeOf("100.63.255.255")).toBeNull();
    expect(forbiddenRangeOf("100.128.0.0")).toBeNull();
    expect(forbiddenRangeOf("169.253.255.255")).toBeNull();
    expect(forbiddenRangeOf("2606:4700:4700::1111")).toBeNull();
    expect(forbiddenRangeOf("::ffff:8.8.8.8")).toBeNull();
    expect(forbiddenRangeOf("fe80::1%eth0")).toBe("link-local");
    expect(forbiddenRangeOf("febf::1")).toBe("link-local");
    expect(forbiddenRangeOf("0:0:0:0:0:ffff:7f00:1")).toBe("loopback");
    expect(forbiddenRangeOf("::ffff:10.0.0.1")).toBe("private");
    expect(forbiddenRangeOf("64:ff9b::127.0.0.1")).toBe("loopback");
    expect(forbiddenRangeOf("64:ff9b::8.8.8.8")).toBeNull();
    expect(forbiddenRangeOf("not an address")).toBe("reserved");
  });
});
