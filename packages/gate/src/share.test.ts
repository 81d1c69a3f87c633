import { describe, expect, it } from "vitest";
import { formatShare, parseShare, ShareError } from "./share.ts";

const refusal = (text: string, range?: { min?: number; max?: number }) => {
  try {
    parseShare(text, "--threshold", range);
  } catch (error) {
    expect(error).toBeInstanceOf(ShareError);
    return (error as Error).message;
  }
  throw new Error(`parseShare accepted ${JSON.stringify(text)}`);
};

describe("parseShare", () => {
  it("reads a percentage or a fraction", () => {
    expect(parseShare("10%", "--threshold")).toBe(0.1);
    expect(parseShare("0.1", "--threshold")).toBe(0.1);
    expect(parseShare(" 10% ", "--threshold")).toBe(0.1);
    expect(parseShare("12.5%", "--threshold")).toBe(0.125);
    expect(parseShare(".05", "--threshold")).toBe(0.05);
    expect(parseShare("0", "--threshold")).toBe(0);
    expect(parseShare("0%", "--threshold")).toBe(0);
    expect(parseShare("150%", "--threshold")).toBe(1.5);
    expect(parseShare("95%", "--confidence", { min: 0.5, max: 0.9999 })).toBe(0.95);
  });

  it("refuses a bare number of 1 or more as ambiguous, saying how to write it", () => {
    expect(refusal("10")).toBe("--threshold 10 is ambiguous: write 10% or 0.1");
    expect(refusal("1")).toBe("--threshold 1 is ambiguous: write 1% or 0.01");
    expect(refusal("2.5")).toBe("--threshold 2.5 is ambiguous: write 2.5% or 0.025");
    expect(refusal("150")).toBe("--threshold 150 is ambiguous: write 150%");
  });

  it("refuses negative shares, non-numbers and malformed percentages with a sentence", () => {
    expect(refusal("-5%")).toBe(
      "--threshold -5% is negative: write a percentage such as 10% or a fraction such as 0.1",
    );
    expect(refusal("-0.1")).toMatch(/^--threshold -0\.1 is negative/);
    for (const text of ["NaN", "10%%", "%", "lots", "1e-1", "0x1", "Infinity", "10 %", "1,5"]) {
      expect(refusal(text)).toMatch(
        /is not a share: write a percentage such as 10% or a fraction such as 0\.1$/,
      );
    }
    expect(refusal("10 %")).toContain('"10 %"');
    expect(refusal("")).toBe("--threshold needs a value: a percentage such as 10% or a fraction such as 0.1");
  });

  it("refuses shares outside the range, naming it", () => {
    expect(refusal("2000%")).toBe("--threshold 2000% is out of range: expected from 0% to 1000%");
    expect(refusal("40%", { min: 0.5, max: 0.9999 })).toBe(
      "--threshold 40% is out of range: expected from 50% to 99.99%",
    );
  });
});

describe("formatShare", () => {
  it("writes the shortest percentage", () => {
    expect(formatShare(0.1)).toBe("10%");
    expect(formatShare(0.07)).toBe("7%");
    expect(formatShare(0.125)).toBe("12.5%");
    expect(formatShare(0.9999)).toBe("99.99%");
  });
});
