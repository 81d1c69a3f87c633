import { describe, expect, it } from "vitest";
import { dateTime64Text } from "./datetime.ts";

describe("dateTime64Text", () => {
  it("keeps every nanosecond", () => {
    expect(dateTime64Text(1_700_000_000_123_456_789n)).toBe("2023-11-14 22:13:20.123456789");
  });
  it("formats each second right, whatever came before it", () => {
    expect(dateTime64Text(1_700_000_000_999_999_999n)).toBe("2023-11-14 22:13:20.999999999");
    expect(dateTime64Text(1_700_000_001_000_000_000n)).toBe("2023-11-14 22:13:21.000000000");
    expect(dateTime64Text(1_700_000_000_000_000_001n)).toBe("2023-11-14 22:13:20.000000001");
  });
  it("clamps what DateTime64(9) cannot hold instead of failing the batch", () => {
    expect(dateTime64Text(0n)).toBe("1970-01-01 00:00:00.000000000");
    expect(dateTime64Text(-5n)).toBe("1970-01-01 00:00:00.000000000");
    expect(dateTime64Text(2n ** 64n)).toBe("2262-04-11 23:47:16.854775807");
  });
});
