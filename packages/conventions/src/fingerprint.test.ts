import { describe, expect, it } from "vitest";
import {
  canonicalJson,
  documentsFingerprint,
  normalizeQuery,
  queryFingerprint,
  toolArgumentsFingerprint,
} from "./fingerprint.ts";

describe("fingerprints", () => {
  it("serialises objects with sorted keys and folded white space", () => {
    expect(canonicalJson({ b: 1, a: { d: "x  y ", c: [2, null] } })).toBe(
      '{"a":{"c":[2,null],"d":"x y"},"b":1}',
    );
  });

  it("gives tool arguments the same fingerprint as an object or as a JSON string", () => {
    const asObject = toolArgumentsFingerprint({ path: "src/a.ts", lines: [1, 20] });
    expect(toolArgumentsFingerprint('{"lines":[1,20],"path":"src/a.ts"}')).toBe(asObject);
    expect(toolArgumentsFingerprint({ path: "src/b.ts", lines: [1, 20] })).not.toBe(asObject);
  });

  it("normalizes queries by case, spacing and trailing punctuation", () => {
    expect(normalizeQuery("  Refund   POLICY? ")).toBe("refund policy");
    expect(queryFingerprint("refund policy")).toBe(queryFingerprint("Refund policy?"));
    expect(queryFingerprint("refund policy")).not.toBe(queryFingerprint("return policy"));
  });

  it("ignores the order and repeats of document ids", () => {
    expect(documentsFingerprint(["b", "a", "a"])).toBe(documentsFingerprint(["a", "b"]));
    expect(documentsFingerprint(["a"])).not.toBe(documentsFingerprint(["a", "b"]));
  });
});
