import { EasyAdaptError } from "../../spec/errors/easy-adapt-error.js";

/** The kind of cap a BudgetExceededError names. */
export type BudgetLimit = "calls" | "tokens" | "dollars";

/** A budget cap (calls, tokens or dollars) would be passed by the next LM call: it is not made. */
export class BudgetExceededError extends EasyAdaptError {
  readonly limit: BudgetLimit;
  readonly cap: number;

  constructor(limit: BudgetLimit, cap: number) {
    super(`the LM budget is spent: the next call would pass --max-${limit} ${cap}`, {
      isUserError: true,
      exitCode: 1,
    });
    this.name = "BudgetExceededError";
    this.limit = limit;
    this.cap = cap;
  }
}
