/** A classification task: its name, its label set (strings, in a fixed order) and optional prompting help. */
export interface Task {
  name: string;
  labels: string[];
  instructions?: string;
  examples?: LabelledExample[];
}

export interface LabelledExample {
  text: string;
  label: string;
}
