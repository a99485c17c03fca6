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
    // The IANA special-purpose registries: none of these is globally routable.
    ["198.18.0.1", "reserved"],
    ["198.19.255.254", "reserved"],
    ["192.0.0.8", "reserved"],
    ["192.0.2.1", "reserved"],
    ["198.51.100.7", "reserved"],
    ["203.0.113.9", "reserved"],
    ["192.88.99.1", "reserved"],
    ["240.0.0.1", "reserved"],
    ["2001::1", "reserved"],
    ["2001:0:4136:e378:8000:63bf:3fff:fdd2", "reserved"],
    ["2001:db8::1", "reserved"],
    ["64:ff9b:1::1", "reserved"],
    ["100::1", "reserved"],
    ["2001:2::1", "reserved"],
    ["fec0::1", "private"],
    // 6to4 and NAT64 carry an IPv4 address, and are judged by it.
    ["2002:a00:1::1", "private"],
    ["2002:7f00:1::", "loopback"],
    ["2002:c612:1::1", "reserved"],
    ["64:ff9b::a00:1", "private"],
    ["64:ff9b::c612:1", "reserved"],
    ["::c0a8:101", "private"],
  ])("%s is refused as %s", (address, range) => {
    expect(forbiddenRangeOf(address)).toBe(range);
  });

  test.each(["8.8.8.8", "1.1.1.1", "172.32.0.1", "198.20.0.1", "2606:4700::1111", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"])("%s is public", (address) => {
    expect(forbiddenRangeOf(address)).toBeNull();
  });
});
