import { describe, expect, it } from "vitest";
import {
  buildClassificationRequest,
  createClassificationPrompter,
} from "../../src/large-models/classification-prompt.js";
import { requestKey } from "../../src/large-models/request-key.js";
import type { Task } from "../../src/spec/task.js";

const task: Task = {
  name: "sentiment",
  labels: ["positive", "negative"],
  instructions: "Decide the sentiment of the review.",
  examples: [
    { text: "Loved it", label: "positive" },
    { text: "Awful", label: "negative" },
  ],
};

describe("buildClassificationRequest", () => {
  it("puts instructions and the numbered labels in the system message, examples as pairs, the text last", () => {
    const text = '  A film, with "quotes",\nand lines.  ';
    const request = buildClassificationRequest(task, text);
    expect(request.temperature).toBe(0);
    expect(request.maxTokens).toBeGreaterThan(0);
    expect(request.maxTokens).toBeLessThanOrEqual(64);
    const [system, ...rest] = request.messages;
    expect(system?.role).toBe("system");
    expect(system?.content).toContain("Decide the sentiment of the review.");
    expect(system?.content).toContain("1. positive\n2. negative");
    expect(system?.content).toMatch(/label only/);
    expect(rest).toEqual([
      { role: "user", content: "Loved it" },
      { role: "assistant", content: "positive" },
      { role: "user", content: "Awful" },
      { role: "assistant", content: "negative" },
      { role: "user", content: text },
    ]);
  });

  it("uses default instructions without examples", () => {
    const request = buildClassificationRequest({ name: "t", labels: ["a", "b"] }, "x");
    expect(request.messages).toHaveLength(2);
    expect(request.messages[0]?.content).toContain("1. a\n2. b");
    expect(request.messages[1]).toEqual({ role: "user", content: "x" });
  });

  it("builds identical requests (same cache key) for the same text, different ones otherwise", () => {
    const prompt = createClassificationPrompter(task);
    expect(requestKey(prompt("one"))).toBe(requestKey(buildClassificationRequest(task, "one")));
    expect(requestKey(prompt("one"))).not.toBe(requestKey(prompt("two")));
    expect(requestKey({ ...prompt("one"), maxTokens: 99 })).not.toBe(requestKey(prompt("one")));
    expect(requestKey({ ...prompt("one"), temperature: 1 })).not.toBe(requestKey(prompt("one")));
  });
});
