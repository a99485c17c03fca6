import { describe, expect, test } from "vitest";
import { forbiddenRangeOf } from "../../src/server/webhooks/address-policy.ts";

describe("which addresses a webhook may reach", () => {
  test.each([
    ["127.0.0.1", "loopback"],
    ["::1", "loopback"],
    ["10.1.2.3", "private"],
    ["172.31.255.255", "private"],
    ["192.168.0.10", "private"],
    ["fd12:3456::1", "private"],
    ["169.254.169.254", "link-local"],
    ["fe80::1%eth0", "link-local"],
    ["100.64.0.1", "shared (CGNAT)"],
    ["224.0.0.1", "multicast"],
    ["255.255.255.255", "reserved"],
    ["0.0.0.0", "unspecified"],
    ["::", "unspecified"],
    // IPv6 forms that carry an IPv4 address are judged by it.
    ["::ffff:169.254.169.254", "link-local"],
    ["::10.0.0.1", "private"],
    ["64:ff9b::127.0.0.1", "loopback"],
    ["not an address", "reserved"],
  ])("%s is refused as %s", (address, range) => {
    expect(forbiddenRangeOf(address)).toBe(range);
  });

  test.each(["8.8.8.8", "172.32.0.1", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::8.8.8.8"])("%s is public", (address) => {
    expect(forbiddenRangeOf(address)).toBeNull();
  });
});
