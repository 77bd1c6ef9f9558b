import { basename, isAbsolute, join, relative } from "node:path";

/** What the demo's closing lines name: how the CLI was started, the kept adapter, the data, the LM. */
export interface DemoNextSteps {
  /** How to start the CLI again, e.g. "easy-adapt" or "node dist/cli/main.js" (see `cliInvocation`). */
  cli: string;
  /** The folder the demo wrote the adapter into. */
  adapterDir: string;
  /** The folder the reports went into. */
  outDir: string;
  /** The dataset folder (train.csv, dev.csv, test.csv). */
  datasetDir: string;
  /** The recorded-answer column that played the LLM, e.g. "gpt4". */
  llmColumn: string;
  /** The base URL the adapter recorded (the replay server's, e.g. "http://127.0.0.1:8787/v1"). */
  lmBaseUrl: string;
  /** A test text for `predict` (ideally one the router sends to the LLM). */
  exampleText: string;
}

/**
 * How the user can start this CLI again: `easy-adapt` when it ran through its bin link, else
 * `node <script>` with the script's path relative to `cwd` (e.g. "node dist/cli/main.js" under
 * `npm run demo`).
 */
export function cliInvocation(script: string | undefined, cwd: string): string {
  if (script === undefined || basename(script) === "easy-adapt") return "easy-adapt";
  return `node ${shellWord(displayPath(script, cwd))}`;
}

/**
 * The lines that end the demo: where the adapter is, then copy-pasteable commands that use it —
 * the replay server on the port the adapter recorded (the recorded answers play the LLM again),
 * `predict`, `eval` and `serve` (which call the adapter's recorded LLM by default).
 */
export function formatDemoNextSteps(steps: DemoNextSteps, cwd: string): string {
  const adapter = shellWord(displayPath(steps.adapterDir, cwd));
  const data = (file: string) => shellWord(displayPath(join(steps.datasetDir, file), cwd));
  const port = new URL(steps.lmBaseUrl).port;
  const lines = [
    `adapter: ${displayPath(steps.adapterDir, cwd)} (calibrated against the replayed ${steps.llmColumn} answers at ${steps.lmBaseUrl})`,
    "next: serve the recorded answers as the LLM again (leave it running, e.g. in another terminal), then use the adapter:",
    `  ${steps.cli} replay-server --answers ${data("dev.csv")} ${data("test.csv")} --answer-column ${steps.llmColumn} --port ${port}`,
    `  ${steps.cli} predict --adapter ${adapter} --lm-model ${steps.llmColumn} ${shellWord(steps.exampleText)}`,
    `  ${steps.cli} eval --adapter ${adapter} --test ${data("test.csv")} --out ${shellWord(displayPath(join(steps.outDir, "eval"), cwd))}`,
    `  ${steps.cli} serve --adapter ${adapter} --lm-model ${steps.llmColumn} --port 8080`,
  ];
  return `${lines.join("\n")}\n`;
}

/** `path` relative to `cwd` when it lies under it, else as it is. */
function displayPath(path: string, cwd: string): string {
  if (!isAbsolute(path)) return path;
  const relation = relative(cwd, path);
  return relation === "" ? "." : relation.startsWith("..") || isAbsolute(relation) ? path : relation;
}

/** `word` as one POSIX shell word: as it is when it holds only safe characters, else single-quoted. */
export function shellWord(word: string): string {
  if (/^[\w@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
