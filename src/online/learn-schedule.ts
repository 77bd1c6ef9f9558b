/**
 * When the online learner refreshes: after every `n` new LLM answers (`--learn-every N`), or on
 * growing intervals (`--learn-every auto`): the first refresh after `first` answers, each next one
 * once the new answers reach `fraction` of all the answers learnt from so far (never fewer than
 * `first`). Growing intervals keep the total refresh work linear in the stream's length (each
 * refresh learns from all the answers so far: with intervals a fixed fraction of them, the rows
 * trained on over the whole stream are at most (1 + 1/fraction) times the answers), while the
 * first adapters, the ones that take the LLM share down from 100%, come early.
 */
export type LearnSchedule =
  | { kind: "every"; n: number }
  | { kind: "growing"; first: number; fraction: number };

/**
 * `--learn-every auto`: the first refresh after 100 answers (about the fewest a cross-fitted
 * adapter of a few labels can be estimated from), then every time the new answers reach half of
 * those learnt from. Chosen by reasoning on cost, not tuned on any stream: a refresh costs about
 * its rows, so the refreshes of a stream of n answers train on at most 3n rows in all (a quarter
 * would be 5n: on this 2-core machine a refresh of 1,000 long reviews takes tens of seconds), while
 * the adapter in use has always learnt from at least two thirds of the answers heard.
 */
export const defaultLearnSchedule: LearnSchedule = { kind: "growing", first: 100, fraction: 0.5 };

/** How many new LLM answers the next refresh waits for, once `learnt` answers have been learnt from. */
export function answersBeforeRefresh(schedule: LearnSchedule, learnt: number): number {
  if (schedule.kind === "every") return schedule.n;
  return Math.max(schedule.first, Math.ceil(schedule.fraction * learnt));
}

/** `--learn-every`'s value: a whole number of at least 1, or "auto" (`defaultLearnSchedule`); undefined when invalid. */
export function parseLearnSchedule(value: string): LearnSchedule | undefined {
  if (value === "auto") return defaultLearnSchedule;
  if (!/^\d+$/.test(value)) return undefined;
  const n = Number(value);
  return n >= 1 && Number.isSafeInteger(n) ? { kind: "every", n } : undefined;
}
