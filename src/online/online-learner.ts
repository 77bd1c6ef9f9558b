import type { ServedLmAnswer } from "../serve/audit/online-serving.js";
import type { Adapter } from "../spec/adapter.js";
import type { DataRow } from "../spec/dataset.js";
import type { Task } from "../spec/task.js";
import { openRefreshFolders, type RefreshFolders } from "./learn-folders.js";
import { answersBeforeRefresh, type LearnSchedule } from "./learn-schedule.js";
import { type RefreshJob, type RefreshJobResult, runRefreshInWorker } from "./refresh-worker.js";

/**
 * The fewest rows (answers pending plus answers learnt) the learner refreshes from: `refreshAdapter`
 * refuses fewer than 10 rows.
 */
export const minimumRefreshRows = 10;

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
  /** Threads that train each refresh's fold models (default one per core). */
  trainingThreads?: number | undefined;
  /** The refresh job module (default refresh-job.ts: `refreshAdapter`). */
  jobModule?: URL | undefined;
  /** One line of news (a refresh done or failed). */
  say(line: string): void;
}

/** Online mode's learner: hears the LLM's answers and refreshes the served adapter in a worker thread. */
export interface OnlineLearner {
  /** Hears one LLM answer (give it as the server's `onLmAnswer`). */
  hear(answer: ServedLmAnswer): void;
  /**
   * Learns from `adapterDir` from now on: a reload (SIGHUP, `--watch`) swapped its adapter in. The
   * next refresh starts from it, with the answers still pending; a refresh running meanwhile (built
   * on the adapter replaced) is not swapped in, its answers are kept for the next one.
   */
  restartFrom(adapterDir: string): void;
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
 * The online learner: after every scheduled number of new LLM answers (see `LearnSchedule`; a
 * text already pending is not counted again), once it has `minimumRefreshRows` rows at least, it
 * refreshes in a worker thread (`runRefreshInWorker`: never on the request path, one at a time;
 * answers heard meanwhile wait for the next one), from the last adapter it built (whose training
 * rows keep every earlier answer) and the answers heard since; loads the new folder and swaps it in.
 * A failed refresh is said in one line; its answers are kept for the next one.
 */
export async function createOnlineLearner(options: OnlineLearnerOptions): Promise<OnlineLearner> {
  const folders = await openRefreshFolders(options.learnDir);
  const state: LearnerState = {
    from: options.from,
    servedDir: "adapterDir" in options.from ? options.from.adapterDir : undefined,
    generation: 0,
    pending: new Map(),
    fresh: 0,
    learnt: 0,
    refreshes: 0,
    closed: false,
    running: undefined,
  };
  const start = () => {
    const snapshot = state.pending;
    const startedIn = state.generation;
    state.pending = new Map();
    state.fresh = 0;
    const refresh = runRefreshInWorker(
      refreshJob(options, state, snapshot, folders.next()),
      options.jobModule,
    );
    const done = refresh.result
      .then((result) => swapIn(options, state, folders, { result, snapshot, startedIn }))
      .catch((error: unknown) => {
        if (state.closed) return;
        keepAnswers(state, snapshot);
        const reason = error instanceof Error ? error.message : String(error);
        options.say(`model "${options.model}": REFRESH FAILED (${reason}); still serving the adapter in use`);
      })
      .finally(() => {
        state.running = undefined;
        maybeStart();
      });
    state.running = { stop: refresh.stop, done };
  };
  const maybeStart = () => {
    if (state.closed || state.running !== undefined) return;
    // A refresh needs rows to learn from: never one that would fail for too few.
    if (state.pending.size + state.learnt < minimumRefreshRows) return;
    if (state.fresh >= answersBeforeRefresh(options.schedule, state.learnt)) start();
  };
  return {
    hear(answer) {
      if (answer.model !== options.model || state.closed) return;
      // A text already pending teaches nothing new: its newer answer replaces the older one, uncounted.
      if (!state.pending.has(answer.text)) state.fresh += 1;
      state.pending.delete(answer.text);
      state.pending.set(answer.text, answer.label);
      maybeStart();
    },
    restartFrom(adapterDir) {
      state.from = { adapterDir };
      state.servedDir = adapterDir;
      state.generation += 1;
    },
    get refreshing() {
      return state.running !== undefined;
    },
    get refreshes() {
      return state.refreshes;
    },
    async idle() {
      while (state.running !== undefined) await state.running.done;
    },
    async close() {
      state.closed = true;
      await state.running?.stop();
    },
  };
}

/** What the learner knows between answers. */
interface LearnerState {
  /** Where the next refresh starts. */
  from: RefreshJob["from"];
  /** The folder being served from (what a restart or SIGHUP reads): never pruned. */
  servedDir: string | undefined;
  /** Bumped by each reload: a refresh started before one is built on an adapter no longer served. */
  generation: number;
  /** The answers not learnt yet, by text. */
  pending: Map<string, string>;
  /** Texts answered since the last refresh started, not already pending (what the schedule counts). */
  fresh: number;
  /** Answers the refreshes swapped in learnt from. */
  learnt: number;
  refreshes: number;
  closed: boolean;
  running: { stop(): Promise<void>; done: Promise<void> } | undefined;
}

/** The job of the next refresh: from where the learner is, on the answers of `snapshot`. */
function refreshJob(
  options: OnlineLearnerOptions,
  state: LearnerState,
  snapshot: Map<string, string>,
  outDir: string,
): RefreshJob {
  return {
    from: state.from,
    answers: [...snapshot].map(([text, answer]) => ({ text, answer })),
    goldRows: options.goldRows?.().slice(),
    maxDisagreement: options.maxDisagreement,
    seed: options.seed,
    trainingThreads: options.trainingThreads,
    outDir,
  };
}

/** Puts a refresh's answers back among those pending (newer answers to the same texts win). */
function keepAnswers(state: LearnerState, snapshot: Map<string, string>): void {
  state.pending = new Map([...snapshot, ...state.pending]);
}

/**
 * Loads a refresh's folder and swaps it in, unless a reload came meanwhile (its answers are then
 * kept for the next refresh); prunes the learn folder.
 */
async function swapIn(
  options: OnlineLearnerOptions,
  state: LearnerState,
  folders: RefreshFolders,
  done: { result: RefreshJobResult; snapshot: Map<string, string>; startedIn: number },
): Promise<void> {
  const { result, snapshot, startedIn } = done;
  const outdated = () => state.generation !== startedIn;
  const adapter = outdated() ? undefined : await options.load(result.outDir);
  if (state.closed) return;
  if (adapter === undefined || outdated()) {
    keepAnswers(state, snapshot);
    options.say(
      `model "${options.model}": refresh into ${result.outDir} not swapped in: the adapter was reloaded meanwhile`,
    );
    return;
  }
  options.swap(adapter);
  state.from = { adapterDir: result.outDir };
  state.learnt += snapshot.size;
  state.refreshes += 1;
  options.say(refreshNews(options.model, result, adapter.id));
  await folders.prune([state.servedDir, result.outDir].filter((dir): dir is string => dir !== undefined));
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
