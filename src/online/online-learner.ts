import type { ServedLmAnswer } from "../serve/audit/online-serving.js";
import type { Adapter } from "../spec/adapter.js";
import type { DataRow } from "../spec/dataset.js";
import type { Task } from "../spec/task.js";
import { openRefreshFolders } from "./learn-folders.js";
import { answersBeforeRefresh, type LearnSchedule } from "./learn-schedule.js";
import { type RefreshJob, type RefreshJobResult, runRefreshInWorker } from "./refresh-worker.js";

/** What the online learner of one served model needs. */
export interface OnlineLearnerOptions {
  /** The model name it learns for: answers of other models are ignored. */
  model: string;
  /** Where the first refresh starts: the served adapter folder, or the task alone (no adapter yet). */
  from: { adapterDir: string } | { task: Task };
  /** Where the refreshed adapters are written (`refresh-0001`, ...; the newest 3 kept). */
  learnDir: string;
  schedule: LearnSchedule;
  /** Loads a refreshed folder as served (with its LLM), in this thread. */
  load(directory: string): Promise<Adapter>;
  /** Serves the loaded adapter from now on (the hot-reload path). */
  swap(adapter: Adapter): void;
  /** Gold rows the refreshes may learn from (`stream --gold N`), read at each refresh. */
  goldRows?: (() => readonly DataRow[]) | undefined;
  maxDisagreement?: number | undefined;
  seed?: number | undefined;
  /** The refresh job module (default refresh-job.ts: `refreshAdapter`). */
  jobModule?: URL | undefined;
  /** One line of news (a refresh done or failed). */
  say(line: string): void;
}

/** Online mode's learner: hears the LLM's answers and refreshes the served adapter in a worker thread. */
export interface OnlineLearner {
  /** Hears one LLM answer (give it as the server's `onLmAnswer`). */
  hear(answer: ServedLmAnswer): void;
  /** True while a refresh runs. */
  readonly refreshing: boolean;
  /** Refreshes swapped in so far. */
  readonly refreshes: number;
  /** Resolves once no refresh runs (one that starts meanwhile is waited for too). */
  idle(): Promise<void>;
  /** Stops: a refresh running is terminated, none starts again. */
  close(): Promise<void>;
}

/**
 * The online learner: after every scheduled number of new LLM answers (see `LearnSchedule`) it
 * refreshes in a worker thread (`runRefreshInWorker`: never on the request path, one at a time;
 * answers heard meanwhile wait for the next one), from the last adapter it built (whose training
 * rows keep every earlier answer) and the answers heard since; loads the new folder and swaps it in.
 * A failed refresh is said in one line; its answers are kept for the next one.
 */
export async function createOnlineLearner(options: OnlineLearnerOptions): Promise<OnlineLearner> {
  const folders = await openRefreshFolders(options.learnDir);
  let from = options.from;
  // The folder being served from (what a restart or SIGHUP reads): never pruned.
  const servedDir = "adapterDir" in options.from ? options.from.adapterDir : undefined;
  let pending = new Map<string, string>();
  let fresh = 0;
  let learnt = 0;
  let refreshes = 0;
  let closed = false;
  let running: { stop(): Promise<void>; done: Promise<void> } | undefined;

  const finish = async (result: RefreshJobResult, answers: number) => {
    const adapter = await options.load(result.outDir);
    if (closed) return;
    options.swap(adapter);
    from = { adapterDir: result.outDir };
    learnt += answers;
    refreshes += 1;
    options.say(refreshNews(options.model, result, adapter.id));
    await folders.prune([servedDir, result.outDir].filter((dir): dir is string => dir !== undefined));
  };
  const start = () => {
    const snapshot = pending;
    pending = new Map();
    fresh = 0;
    const job: RefreshJob = {
      from,
      answers: [...snapshot].map(([text, answer]) => ({ text, answer })),
      goldRows: options.goldRows?.().slice(),
      maxDisagreement: options.maxDisagreement,
      seed: options.seed,
      outDir: folders.next(),
    };
    const refresh = runRefreshInWorker(job, options.jobModule);
    const done = refresh.result
      .then((result) => finish(result, snapshot.size))
      .catch((error: unknown) => {
        if (closed) return;
        // The answers stay for the next refresh (newer answers to the same texts win).
        pending = new Map([...snapshot, ...pending]);
        const reason = error instanceof Error ? error.message : String(error);
        options.say(`model "${options.model}": REFRESH FAILED (${reason}); still serving the adapter in use`);
      })
      .finally(() => {
        running = undefined;
        maybeStart();
      });
    running = { stop: refresh.stop, done };
  };
  const maybeStart = () => {
    if (closed || running !== undefined) return;
    if (fresh >= answersBeforeRefresh(options.schedule, learnt)) start();
  };
  return {
    hear(answer) {
      if (answer.model !== options.model || closed) return;
      pending.delete(answer.text);
      pending.set(answer.text, answer.label);
      fresh += 1;
      maybeStart();
    },
    get refreshing() {
      return running !== undefined;
    },
    get refreshes() {
      return refreshes;
    },
    async idle() {
      while (running !== undefined) await running.done;
    },
    async close() {
      closed = true;
      await running?.stop();
    },
  };
}

/** `model "x": refreshed from 120 new answers (+ 340 kept rows) into DIR, adapter ID: LLM share 100% -> 62% (estimated)`. */
function refreshNews(model: string, result: RefreshJobResult, id: string | undefined): string {
  const percent = (share: number) => `${(share * 100).toFixed(1)}%`;
  const before = result.before === undefined ? "100% (no adapter)" : percent(result.before.lmShare);
  return (
    `model "${model}": refreshed from ${result.rows.answers} new answers (+ ${result.rows.oldTraining} kept rows` +
    `${result.rows.gold > 0 ? `, ${result.rows.gold} gold` : ""}) into ${result.outDir}, adapter ${id ?? "?"}: ` +
    `estimated LLM share ${before} -> ${percent(result.after.lmShare)}`
  );
}
