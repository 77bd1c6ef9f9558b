import { describe, expect, it } from "vitest";
import { editDistance, parseLabel } from "../../src/large-models/parse-label.js";

const labels = ["card_arrival", "card_linking", "lost_or_stolen_card", "positive", "negative", "Refund"];

describe("parseLabel", () => {
  it.each([
    ["card_arrival", "card_arrival"],
    ["  card_linking\n", "card_linking"],
    ["CARD ARRIVAL", "card_arrival"],
    ["Card-Linking.", "card_linking"],
    ["Label: lost_or_stolen_card", "lost_or_stolen_card"],
    ["label = positive", "positive"],
    ["The answer is: negative", "negative"],
    ['"refund"', "Refund"],
    ["**positive**", "positive"],
    ["`card_arrival`", "card_arrival"],
    ["2", "card_linking"],
    ["3.", "lost_or_stolen_card"],
    ["4. positive", "positive"],
    ["positve", "positive"],
    ["card_arival", "card_arrival"],
  ])("reads %j as %s", (answer, label) => {
    expect(parseLabel(answer, labels)).toEqual({ success: true, label });
  });

  it.each([
    "",
    "I'm not sure which category this belongs to.",
    "card",
    "99",
    "0",
    "positive or negative",
    "The text is about a card that was lost, so lost_or_stolen_card",
  ])("refuses %j", (answer) => {
    const result = parseLabel(answer, labels);
    expect(result.success).toBe(false);
    if (!result.success) expect(result.reason.length).toBeGreaterThan(0);
  });

  it("refuses a close match that is not unique", () => {
    expect(parseLabel("cat", ["bat", "hat", "cattle"]).success).toBe(false);
    expect(parseLabel("label_b", ["label_a", "label_c"]).success).toBe(false);
  });

  it("refuses an answer equal to two labels once normalised", () => {
    expect(parseLabel("a b", ["a-b", "a_b"]).success).toBe(false);
    expect(parseLabel("a-b", ["a-b", "a_b"])).toEqual({ success: true, label: "a-b" });
  });

  it("computes edit distances", () => {
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("same", "same")).toBe(0);
    expect(editDistance("abcdefgh", "zzzzzzzz", 2)).toBe(3);
  });
});
