import type { Task } from "../../src/spec/task.js";
import { createSeededRandom } from "../../src/util/seeded-random.js";

/** A three-label task for adapting without gold labels: support tickets by topic. */
export const ticketTask: Task = { name: "tickets", labels: ["billing", "shipping", "account"] };

const vocabulary: Record<string, string[]> = {
  billing: ["invoice", "charge", "refund", "payment", "bill", "price"],
  shipping: ["parcel", "delivery", "courier", "tracking", "shipment", "package"],
  account: ["password", "login", "profile", "username", "email", "signin"],
};
const filler = [
  "please",
  "help",
  "today",
  "my",
  "the",
  "again",
  "urgent",
  "thanks",
  "still",
  "issue",
  "hello",
  "now",
];

/** One synthetic ticket: its text, gold label and the (recorded) LLM's answer. */
export interface TeacherRow {
  text: string;
  gold: string;
  answer: string;
}

/**
 * `count` tickets from `seed`: three in four are clear (two words of one topic: the LLM answers that
 * topic, the gold label agrees), one in four mixes two topics (the LLM picks one at random, the gold
 * label is either). A small model learns the clear ones quickly; only the mixed ones need the LLM.
 */
export function teacherRows(count: number, seed: number, prefix = "t"): TeacherRow[] {
  const random = createSeededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const labels = ticketTask.labels;
  return Array.from({ length: count }, (_, index) => {
    const first = pick(labels);
    const words = Array.from({ length: 4 }, () => pick(filler));
    if (random() < 0.75) {
      words.push(pick(vocabulary[first] ?? []), pick(vocabulary[first] ?? []));
      return { text: `${prefix}${index} ${shuffle(words, random).join(" ")}`, gold: first, answer: first };
    }
    const second = pick(labels.filter((label) => label !== first));
    words.push(pick(vocabulary[first] ?? []), pick(vocabulary[second] ?? []));
    const answer = random() < 0.5 ? first : second;
    const gold = random() < 0.5 ? first : second;
    return { text: `${prefix}${index} ${shuffle(words, random).join(" ")}`, gold, answer };
  });
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let index = items.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    [items[index], items[other]] = [items[other] as T, items[index] as T];
  }
  return items;
}
