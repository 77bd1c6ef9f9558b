import { EasyAdaptError } from "../spec/errors/easy-adapt-error.js";
import type { ProbeRow } from "./probe.js";

/**
 * Why a probe stopped early: the budget ran out, the LM refused the key, the caller aborted, the LM
 * kept failing, the answer cache is corrupt or unreadable, or the LM stalled (no call finished for
 * the stall timeout).
 */
export type ProbeStopReason = "budget" | "authentication" | "aborted" | "failing" | "cache" | "stalled";

/**
 * A probe that had to stop before asking every row: the budget ran out, the LM refused the
 * credentials, too many calls in a row failed (the LM unreachable), no call finished for the stall
 * timeout (the LM hanging), or the caller aborted. Keeps the rows done so far (undefined where not answered);
 * every answer received is also in the answer cache, so a rerun pays only for the rest.
 */
export class ProbeStoppedError extends EasyAdaptError {
  readonly reason: ProbeStopReason;
  readonly rows: ReadonlyArray<ProbeRow | undefined>;
  readonly unanswered: number;

  constructor(reason: ProbeStopReason, rows: ReadonlyArray<ProbeRow | undefined>, cause: unknown) {
    let unanswered = 0;
    for (const row of rows) if (row === undefined) unanswered++;
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      `probe stopped: ${why}; ${unanswered} of ${rows.length} rows left unanswered ` +
        "(answers already received are kept in the cache: a rerun pays only for the rest)",
      { cause, isUserError: true, exitCode: reason === "aborted" ? 130 : 1 },
    );
    this.name = "ProbeStoppedError";
    this.reason = reason;
    this.rows = rows;
    this.unanswered = unanswered;
  }
}
