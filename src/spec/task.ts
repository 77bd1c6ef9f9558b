/** A classification task: its name, its label set (strings, in a fixed order) and optional prompting help. */
export interface Task {
  name: string;
  labels: string[];
  instructions?: string;
  examples?: LabelledExample[];
}

/** A text with its gold label, e.g. a few-shot example of the task's prompt. */
export interface LabelledExample {
  text: string;
  label: string;
}
