import { EasyAdaptError } from "../spec/errors/easy-adapt-error.js";

/**
 * An evaluation that had to stop before the LM answered every test row: the budget ran out, or
 * too many calls in a row failed. No figures are given for a split the LM only partly answered;
 * every answer received is in the answer cache, so a rerun pays only for the rest.
 */
export class EvaluationStoppedError extends EasyAdaptError {
  constructor(why: string, asked: number, total: number, cause: unknown) {
    super(
      `evaluation stopped: ${why}; the LM was asked about ${asked} of ${total} rows ` +
        "(answers already received are kept in the cache: a rerun pays only for the rest)",
      { cause, isUserError: true, exitCode: 1 },
    );
    this.name = "EvaluationStoppedError";
  }
}
