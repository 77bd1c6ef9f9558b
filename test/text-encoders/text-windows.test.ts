import { describe, expect, it } from "vitest";
import { countWords, emptyTextStandIn, textWindows } from "../../src/text-encoders/text-windows.js";

const wordsIn = (text: string) => text.split(/\s+/).filter((word) => word.length > 0).length;

describe("textWindows", () => {
  it("keeps a short text whole and unchanged", () => {
    expect(textWindows("  My card,  please!  ", 80)).toEqual(["  My card,  please!  "]);
  });

  it("gives empty and whitespace-only texts one fixed stand-in", () => {
    expect(textWindows("", 80)).toEqual([emptyTextStandIn]);
    expect(textWindows(" \n\t ", 80)).toEqual([emptyTextStandIn]);
  });

  it("packs sentences into windows of at most windowWords words, in order, losing no word", () => {
    const sentence = (index: number) => `Sentence ${index} has exactly six words.`;
    const text = Array.from({ length: 30 }, (_, index) => sentence(index)).join(" <br /><br />");
    const windows = textWindows(text, 20);
    expect(windows.every((window) => wordsIn(window) <= 20)).toBe(true);
    expect(windows).toHaveLength(10);
    expect(windows[0]).toBe(`${sentence(0)} ${sentence(1)} ${sentence(2)}`);
    expect(
      windows
        .join(" ")
        .split(" ")
        .filter((word) => word.length > 0),
    ).toEqual(
      text
        .replace(/<br \/>/g, " ")
        .split(/\s+/)
        .filter((word) => word.length > 0),
    );
  });

  it("cuts a sentence longer than a window at word boundaries", () => {
    const text = Array.from({ length: 45 }, (_, index) => `w${index}`).join(" ");
    const windows = textWindows(text, 20);
    expect(windows.map(wordsIn)).toEqual([20, 20, 5]);
    expect(windows[2]).toBe("w40 w41 w42 w43 w44");
  });
});

describe("countWords", () => {
  it("counts whitespace-separated words", () => {
    expect(countWords("  one two\tthree\nfour ")).toBe(4);
    expect(countWords("   ")).toBe(0);
  });
});
