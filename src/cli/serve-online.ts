import { mkdir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Command } from "commander";
import { z } from "zod";
import type { AdapterDescription } from "../adapter/adapter-parts.js";
import { defaultLearnDir } from "../online/learn-folders.js";
import { type LearnSchedule, parseLearnSchedule } from "../online/learn-schedule.js";
import { createOnlineLearner, type OnlineLearner } from "../online/online-learner.js";
import { defaultAuditShare, type OnlineServing } from "../serve/audit/online-serving.js";
import type { Adapter } from "../spec/adapter.js";
import { UsageError } from "../spec/errors/usage-error.js";
import { nodeErrorCode } from "../util/node-error-code.js";
import type { LargeModelSetup } from "./lm-options.js";
import type { ServedArtifact } from "./serve-adapters.js";
import { addTrainingThreadsOption, trainingThreadsOptionSchema } from "./training-threads-option.js";

/** A share flag's value: a number from 0 to 1. */
export function shareFlag(flag: string) {
  return z
    .string()
    .regex(/^\d*\.?\d+$/, `${flag} must be a number from 0 to 1`)
    .transform(Number)
    .refine((value) => value >= 0 && value <= 1, `${flag} must be a number from 0 to 1`);
}

/** --learn-every's value: a whole number of at least 1, or auto (growing intervals). */
export const learnEverySchema = z.string().transform((value, context) => {
  const schedule = parseLearnSchedule(value);
  if (schedule === undefined) {
    context.addIssue({
      code: "custom",
      message: "--learn-every must be a whole number of at least 1, or auto",
    });
    return z.NEVER;
  }
  return schedule;
});

/** serve's online-mode flags, as parsed. */
export const serveOnlineOptionsSchema = z.object({
  learnEvery: learnEverySchema.optional(),
  learnDir: z.string().min(1, "--learn-dir must name a folder").optional(),
  auditShare: shareFlag("--audit-share").optional(),
  maxDisagreement: shareFlag("--max-disagreement").optional(),
  ...trainingThreadsOptionSchema.shape,
});

type ServeOnlineOptions = z.infer<typeof serveOnlineOptionsSchema>;

/** Adds serve's online-mode flags: --learn-every, --learn-dir, --audit-share, --max-disagreement, --training-threads. */
export function addServeOnlineOptions(command: Command): Command {
  command
    .option(
      "--learn-every <n|auto>",
      "online mode: after every N new LLM answers (auto: growing intervals) refresh the adapter in a worker thread and swap it in",
    )
    .option(
      "--learn-dir <dir>",
      "where online mode writes the refreshed adapters (default: <adapter folder>.learned beside the served one)",
    )
    .option(
      "--audit-share <a>",
      `share of the SSM's answers also asked of the LLM, off the response path, to measure agreement (default ${defaultAuditShare} with --learn-every)`,
    )
    .option(
      "--max-disagreement <d>",
      "online mode: the disagreement with the LLM refreshed adapters accept (default 0.02)",
    );
  return addTrainingThreadsOption(command, "online mode: each refresh's");
}

/**
 * Refuses the learner's flags without --learn-every, and --learn-every or --audit-share without an
 * LLM (`hasLm`: --lm-base-url or --lm-model given; without them serve calls no LLM, so nothing
 * could be learnt or audited).
 */
export function checkServeOnlineOptions(options: ServeOnlineOptions, hasLm: boolean): void {
  if (
    options.learnEvery === undefined &&
    (options.learnDir !== undefined ||
      options.maxDisagreement !== undefined ||
      options.trainingThreads !== undefined)
  ) {
    throw new UsageError("--learn-dir, --max-disagreement and --training-threads need --learn-every");
  }
  const flag =
    options.learnEvery !== undefined
      ? "--learn-every"
      : options.auditShare !== undefined
        ? "--audit-share"
        : undefined;
  if (flag !== undefined && !hasLm) {
    throw new UsageError(
      `${flag} needs an LLM to ${flag === "--learn-every" ? "learn from" : "audit with"}, and none is set: add --lm-base-url URL and/or --lm-model NAME (the one not given defaults to the adapter's)`,
    );
  }
}

/** What online mode adds to serve: the server's hooks, and the learners (closed at shutdown). */
export interface ServeOnline {
  online: OnlineServing | undefined;
  learners: Map<string, OnlineLearner>;
  /** Tells every learner how to swap an adapter in (once the server is up). */
  connect(swap: (name: string, adapter: Adapter) => void): void;
  close(): Promise<void>;
}

/**
 * serve's online mode from its flags: audits at `--audit-share` (default 0.02 with --learn-every;
 * off without either flag) against each model's own LLM, and with --learn-every one learner per
 * served model, writing to `--learn-dir` (one folder per model inside it when several are served)
 * or beside the served folder, never into it.
 */
export async function serveOnline(
  options: ServeOnlineOptions,
  artifacts: readonly ServedArtifact[],
  lmStackFor: (description: Pick<AdapterDescription, "lmId" | "lmBaseUrl">) => LargeModelSetup | undefined,
  load: (artifact: ServedArtifact, directory: string) => Promise<Adapter>,
  say: (line: string) => void,
): Promise<ServeOnline> {
  const auditShare = options.auditShare ?? (options.learnEvery === undefined ? undefined : defaultAuditShare);
  const learners = new Map<string, OnlineLearner>();
  let swap: (name: string, adapter: Adapter) => void = () => {};
  const schedule: LearnSchedule | undefined = options.learnEvery;
  for (const artifact of schedule === undefined ? [] : artifacts) {
    const learnDir =
      options.learnDir === undefined
        ? defaultLearnDir(artifact.directory)
        : artifacts.length === 1
          ? options.learnDir
          : join(options.learnDir, artifact.name);
    await checkLearnDir(learnDir, options.learnDir !== undefined);
    const learner = await createOnlineLearner({
      model: artifact.name,
      from: { adapterDir: artifact.directory },
      learnDir,
      schedule: schedule!,
      load: (directory) => load(artifact, directory),
      swap: (adapter) => swap(artifact.name, adapter),
      maxDisagreement: options.maxDisagreement,
      trainingThreads: options.trainingThreads,
      say: (line) => say(`easy-adapt serve: ${line}`),
    });
    learners.set(artifact.name, learner);
  }
  const byName = new Map(artifacts.map((artifact) => [artifact.name, artifact]));
  const online: OnlineServing | undefined =
    auditShare === undefined && learners.size === 0
      ? undefined
      : {
          auditShare: auditShare ?? 0,
          largeModelFor: (name) => {
            const artifact = byName.get(name);
            return artifact === undefined ? undefined : lmStackFor(artifact.artifact.description)?.model;
          },
          onLmAnswer: (answer) => learners.get(answer.model)?.hear(answer),
        };
  return {
    online,
    learners,
    connect(next) {
      swap = next;
    },
    async close() {
      for (const learner of learners.values()) await learner.close();
    },
  };
}

/**
 * Makes the learn folder when missing; a UsageError (one line, no stack) when a file is in its way
 * or it cannot be made, naming `--learn-dir` or the default.
 */
async function checkLearnDir(learnDir: string, given: boolean): Promise<void> {
  const named = given
    ? `--learn-dir ${learnDir}`
    : `the learn folder ${learnDir} (the default beside the adapter folder)`;
  const fix = given ? "name a folder (it is made when missing)" : "give --learn-dir DIR";
  const found = await stat(learnDir).catch(() => undefined);
  if (found !== undefined && !found.isDirectory())
    throw new UsageError(`${named} is a file, not a folder: ${fix}`);
  try {
    await mkdir(learnDir, { recursive: true });
  } catch (error) {
    const code = nodeErrorCode(error) ?? String(error);
    throw new UsageError(`${named} cannot be made (${code}): ${fix}`);
  }
}
