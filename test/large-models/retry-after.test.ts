import { describe, expect, it } from "vitest";
import { parseRetryAfter } from "../../src/large-models/retry-after.js";

const headers = (values: Record<string, string>) => new Headers(values);

describe("parseRetryAfter", () => {
  const now = () => Date.parse("2026-01-01T00:00:00Z");

  it("reads retry-after-ms first, then Retry-After in seconds or as an HTTP date", () => {
    expect(parseRetryAfter(headers({ "retry-after-ms": "250", "retry-after": "3" }), now)).toBe(250);
    expect(parseRetryAfter(headers({ "retry-after": "3" }), now)).toBe(3000);
    expect(parseRetryAfter(headers({ "retry-after": "0.5" }), now)).toBe(500);
    expect(parseRetryAfter(headers({ "retry-after": "Thu, 01 Jan 2026 00:00:07 GMT" }), now)).toBe(7000);
  });

  it("ignores absent, negative or unreadable values, and clamps past dates to 0", () => {
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter(headers({}), now)).toBeUndefined();
    expect(parseRetryAfter(headers({ "retry-after": "-1" }), now)).toBeUndefined();
    expect(parseRetryAfter(headers({ "retry-after": "soon" }), now)).toBeUndefined();
    expect(parseRetryAfter(headers({ "retry-after-ms": "x", "retry-after": "2" }), now)).toBe(2000);
    expect(parseRetryAfter(headers({ "retry-after": "Wed, 31 Dec 2025 23:59:00 GMT" }), now)).toBe(0);
  });
});
