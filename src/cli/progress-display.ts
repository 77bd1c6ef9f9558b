import type { ProgressListener } from "../spec/logger.js";

/**
 * A progress display on stderr: a redrawn line on a terminal, a plain line every few seconds
 * elsewhere (CI logs, pipes). Shows done/total, rate, ETA and an optional detail (spend, ...).
 * Nothing is shown for work that ends within `quietMs`.
 */
export function createProgressDisplay(
  options: { stream?: NodeJS.WriteStream; quietMs?: number; intervalMs?: number; now?: () => number } = {},
): { listener: ProgressListener; finish(summary?: string): void } {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? Date.now;
  const quietMs = options.quietMs ?? 1000;
  const intervalMs = options.intervalMs ?? (stream.isTTY ? 100 : 5000);
  let startedAt = now();
  let lastStage = "";
  let lastDrawAt = 0;
  let drewSomething = false;

  const format = (stage: string, done: number, total: number, detail?: string): string => {
    const elapsedSeconds = (now() - startedAt) / 1000;
    const rate = elapsedSeconds > 0 ? done / elapsedSeconds : 0;
    const remaining = rate > 0 ? (total - done) / rate : Number.NaN;
    const percent = total > 0 ? Math.floor((100 * done) / total) : 100;
    const parts = [
      `${stage} ${done}/${total} (${percent}%)`,
      `${rate.toFixed(rate < 10 ? 1 : 0)}/s`,
      Number.isFinite(remaining) ? `ETA ${remaining.toFixed(0)}s` : "",
      detail ?? "",
    ];
    return parts.filter((part) => part !== "").join("  ");
  };

  const listener: ProgressListener = ({ stage, done, total, detail }) => {
    if (stage !== lastStage) {
      if (drewSomething && stream.isTTY) stream.write("\n");
      lastStage = stage;
      startedAt = now();
      lastDrawAt = 0;
    }
    const time = now();
    const finished = done >= total;
    if (time - startedAt < quietMs && !(finished && drewSomething)) return;
    if (!finished && time - lastDrawAt < intervalMs) return;
    lastDrawAt = time;
    drewSomething = true;
    const line = format(stage, done, total, detail);
    stream.write(stream.isTTY ? `\r\x1b[2K${line}` : `${line}\n`);
  };

  return {
    listener,
    finish(summary?: string) {
      if (drewSomething && stream.isTTY) stream.write("\n");
      if (summary !== undefined) stream.write(`${summary}\n`);
      drewSomething = false;
    },
  };
}
