import type { BenchRun } from "./benchmark.js";

/** Tells on stderr about test rows no system can get right (label missing or outside the task's labels). */
export function warnAboutTestRowsOutsideTask(run: BenchRun): void {
  const { count, labels, file } = run.testRowsOutsideTask;
  if (count === 0) return;
  const shown = labels.map((label) => (label === "" ? "(no label)" : JSON.stringify(label))).join(", ");
  process.stderr.write(
    `warning: ${count} row${count === 1 ? "" : "s"} of ${file} ${count === 1 ? "has a label" : "have labels"} outside the task's labels (${shown}): every system counts ${count === 1 ? "it" : "them"} wrong\n`,
  );
}
