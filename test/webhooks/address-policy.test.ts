import { describe, expect, test } from "vitest";
import { forbiddenRangeOf } from "../../src/server/webhooks/address-policy.ts";
import { ALLOWED, REFUSED } from "./address-cases.ts";

describe("which addresses a webhook may reach", () => {
  test.each(REFUSED)("%s is refused as %s (%s)", (address, range) => {
    expect(forbiddenRangeOf(address)).toBe(range);
  });

  test.each(ALLOWED)("%s is allowed (%s)", (address) => {
    expect(forbiddenRangeOf(address)).toBeNull();
  });

  test.each([
    ["fe80::1%eth0", "link-local"],
    ["FE80::1", "link-local"],
    ["0:0:0:0:0:ffff:7f00:1", "loopback"],
    ["::FFFF:10.0.0.1", "private"],
  ])("%s is read as the address it spells (%s)", (address, range) => {
    expect(forbiddenRangeOf(address)).toBe(range);
  });

  test.each(["not an address", "", "localhost", "0x7f.1", "010.0.0.1", "::ffff:010.0.0.1", "1.2.3", "[::1]"])(
    "%j, not a plain IP address, is refused as reserved",
    (text) => {
      expect(forbiddenRangeOf(text)).toBe("reserved");
    },
  );
});
