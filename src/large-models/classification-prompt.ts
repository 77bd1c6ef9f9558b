import type { ChatMessage, CompletionRequest } from "../spec/large-model.js";
import type { Task } from "../spec/task.js";

const defaultInstructions = "Classify the text the user sends into exactly one of the labels below.";

/** The system prompt of a task: its instructions, the numbered label list, and "answer with the label only". */
export function buildSystemPrompt(task: Task): string {
  const instructions = task.instructions?.trim() || defaultInstructions;
  const labelList = task.labels.map((label, index) => `${index + 1}. ${label}`).join("\n");
  return `${instructions}\n\nLabels:\n${labelList}\n\nAnswer with the label only, exactly as written above, and nothing else.`;
}

/** Output token limit: room for the longest label and a little slack. */
export function classificationMaxTokens(labels: readonly string[]): number {
  let longest = 0;
  for (const label of labels) longest = Math.max(longest, label.length);
  return Math.max(16, Math.ceil(longest / 2) + 8);
}

/**
 * Returns a function building the classification request of one text: the system prompt, the task's
 * few-shot examples as user/assistant pairs, then the text alone, verbatim, as the last user message.
 * Temperature 0 and a small token limit. The fixed prefix is built once.
 */
export function createClassificationPrompter(task: Task): (text: string) => CompletionRequest {
  const prefix: ChatMessage[] = [{ role: "system", content: buildSystemPrompt(task) }];
  for (const example of task.examples ?? []) {
    prefix.push({ role: "user", content: example.text }, { role: "assistant", content: example.label });
  }
  const maxTokens = classificationMaxTokens(task.labels);
  return (text) => ({ messages: [...prefix, { role: "user", content: text }], temperature: 0, maxTokens });
}

/** The classification request of one text (see createClassificationPrompter for repeated use). */
export function buildClassificationRequest(task: Task, text: string): CompletionRequest {
  return createClassificationPrompter(task)(text);
}
