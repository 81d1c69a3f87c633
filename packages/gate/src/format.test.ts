import { describe, expect, it } from "vitest";
import { markdownText } from "./format.ts";

describe("markdownText", () => {
  it("shows a hostile workflow name literally: no link, image, HTML, heading or table cell", () => {
    const name =
      "evil](https://x.example) ![img](https://x.example/p.png) <script>alert(1)</script> | x\n# h";
    const text = markdownText(name);
    expect(text).not.toMatch(/[^\\]\]\(/);
    expect(text).not.toContain("<script>");
    expect(text).not.toMatch(/[^\\]\|/);
    expect(text).not.toContain("\n");
    expect(text).toContain("&lt;script&gt;");
    // Every punctuation mark stays, escaped.
    expect(text.replace(/\\(.)/g, "$1").replace(/&lt;/g, "<").replace(/&gt;/g, ">")).toBe(
      name.replace("\n", " "),
    );
  });
});
