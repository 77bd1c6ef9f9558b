import { describe, expect, it } from "vitest";
import { contentText, lastUserText } from "../../src/replay/replay-request.js";

describe("the replay's reading of a chat request", () => {
  it("joins text parts without a separator and reads no content as the empty text", () => {
    expect(contentText("plain")).toBe("plain");
    expect(
      contentText([{ type: "text", text: "a" }, { type: "image_url" }, { type: "text", text: "b" }]),
    ).toBe("ab");
    expect(contentText(null)).toBe("");
    expect(contentText(undefined)).toBe("");
  });

  it("takes the last user message, or none", () => {
    const messages = [
      { role: "user", content: "first" },
      { role: "assistant", content: "answer" },
      { role: "user", content: "second" },
      { role: "system", content: "rules" },
    ];
    expect(lastUserText(messages)).toBe("second");
    expect(lastUserText([{ role: "system", content: "rules" }])).toBeUndefined();
  });
});
