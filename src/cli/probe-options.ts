import type { Command } from "commander";
import { z } from "zod";
import type { ProbeOptions } from "../probe/probe.js";
import { defaultStallTimeoutMs } from "../probe/stall-watch.js";
import type { LargeModelSettings } from "./lm-options.js";
import { parseOptions } from "./parse-options.js";

/** How long a probe waits for its calls: the stall timeout and the second chance's delay. */
export type ProbeLimits = Required<Pick<ProbeOptions, "stallTimeoutMs" | "secondChanceDelayMs">>;

/**
 * The second chance of a failed row waits at least this many first retry backoffs after its
 * failure (4 × --retry-base-delay-ms: 2 s by default).
 */
const secondChanceBackoffs = 4;

/** `--stall-timeout-ms`, for the commands that probe the LM (probe, adapt). */
export function addProbeOptions(command: Command): Command {
  return command.option(
    "--stall-timeout-ms <n>",
    "give up when no LM call finishes (answered or failed) for this long, cancelling the calls in flight; 0 waits forever",
    String(defaultStallTimeoutMs),
  );
}

const probeOptionsSchema = z.object({
  stallTimeoutMs: z
    .string()
    .regex(/^\d+$/, "--stall-timeout-ms must be a whole number (0 waits forever)")
    .transform(Number)
    .default(defaultStallTimeoutMs),
});

/** The probe's limits from the flags of `addProbeOptions` and the LM's retry settings. */
export function probeLimitsFromOptions(
  rawOptions: Record<string, unknown>,
  lmSettings: Pick<LargeModelSettings, "retryBaseDelayMs">,
): ProbeLimits {
  const { stallTimeoutMs } = parseOptions(probeOptionsSchema, rawOptions);
  return { stallTimeoutMs, secondChanceDelayMs: secondChanceBackoffs * lmSettings.retryBaseDelayMs };
}
