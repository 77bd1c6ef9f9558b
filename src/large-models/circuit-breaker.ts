import { createFailureWindow, type FailureWindow } from "./failure-window.js";

/** The breaker's states: `closed` lets calls through, `open` refuses them, `half-open` lets one probe through. */
export type CircuitState = "closed" | "open" | "half-open";

/** What the breaker tells its listeners: a change of state (with why), or one failed upstream call. */
export type CircuitEvent =
  | { kind: "state"; from: CircuitState; to: CircuitState; reason: string }
  | { kind: "failure"; error: string };

/** When the breaker opens and how long it stays open. */
export interface CircuitBreakerOptions {
  /** Failed calls in a row that open it (default 5; 0 never opens it). */
  failures?: number;
  /** How long it stays open before one probe call may test the upstream (default 5 000 ms). */
  cooldownMs?: number;
  /** The latest calls over which the failure rate is measured (default 20). */
  windowSize?: number;
  /** The failure rate over a full window that opens it (default 0.5). */
  failureRate?: number;
  /** Milliseconds clock (default `performance.now`). */
  now?: () => number;
}

/** The right to make one call: report how it ended, exactly once. */
export interface CircuitPermit {
  /** The upstream answered. */
  succeeded(): void;
  /** The upstream failed (timeout, network error, 5xx); `error` describes it. */
  failed(error: string): void;
  /** The call ended in a way that says nothing about the upstream (the caller aborted, a 429, ...). */
  released(): void;
}

/**
 * A circuit breaker on an upstream: closed → open after `failures` failed calls in a row or a
 * failure rate over the window → half-open after the cool-down, where one probe call is let
 * through: its success closes the breaker, its failure opens it again.
 */
export interface CircuitBreaker {
  /** The state now (an open breaker whose cool-down is over reads `half-open`). */
  readonly state: CircuitState;
  /** True when a call would be refused now: open, or half-open with its probe under way. */
  refusesCalls(): boolean;
  /** A permit for one call, or undefined when the breaker refuses it. */
  acquire(): CircuitPermit | undefined;
  /** Calls `listener` on every change of state and every failed call; returns an unsubscribe. */
  subscribe(listener: (event: CircuitEvent) => void): () => void;
}

/** A circuit breaker, closed. See `CircuitBreaker`. */
export function createCircuitBreaker(options: CircuitBreakerOptions = {}): CircuitBreaker {
  return new Breaker(options);
}

/** The breaker's state machine. */
class Breaker implements CircuitBreaker {
  readonly #limit: number;
  readonly #cooldownMs: number;
  readonly #now: () => number;
  readonly #window: FailureWindow;
  readonly #listeners = new Set<(event: CircuitEvent) => void>();
  #state: CircuitState = "closed";
  // Outcomes of permits handed out before the last change of state are ignored.
  #generation = 0;
  #openedAt = 0;
  #consecutive = 0;
  #probeOut = false;

  constructor(options: CircuitBreakerOptions) {
    this.#limit = options.failures ?? 5;
    this.#cooldownMs = options.cooldownMs ?? 5_000;
    this.#now = options.now ?? (() => performance.now());
    this.#window = createFailureWindow(options.windowSize ?? 20, options.failureRate ?? 0.5);
  }

  get state(): CircuitState {
    if (this.#state === "open" && this.#now() - this.#openedAt >= this.#cooldownMs) {
      this.#moveTo(
        "half-open",
        `the ${this.#cooldownMs} ms cool-down passed: one probe call may test the upstream`,
      );
    }
    return this.#state;
  }

  refusesCalls(): boolean {
    const current = this.state;
    return current === "open" || (current === "half-open" && this.#probeOut);
  }

  acquire(): CircuitPermit | undefined {
    const current = this.state;
    if (current === "closed") return this.#permit(false);
    if (current === "open" || this.#probeOut) return undefined;
    this.#probeOut = true;
    return this.#permit(true);
  }

  subscribe(listener: (event: CircuitEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #permit(isProbe: boolean): CircuitPermit {
    const issuedIn = this.#generation;
    let settled = false;
    const settle = (action: () => void) => {
      if (settled) return;
      settled = true;
      if (issuedIn === this.#generation) action();
    };
    return {
      succeeded: () => settle(() => this.#onSuccess()),
      failed: (error) => settle(() => this.#onFailure(error)),
      released: () =>
        settle(() => {
          if (isProbe) this.#probeOut = false;
        }),
    };
  }

  #onFailure(error: string): void {
    this.#emit({ kind: "failure", error });
    if (this.#state === "half-open") {
      this.#moveTo("open", `the probe call failed (${error})`);
      return;
    }
    this.#consecutive += 1;
    const rateExceeded = this.#window.record(true);
    if (this.#limit === 0) return;
    if (this.#consecutive >= this.#limit) {
      this.#moveTo("open", `${this.#consecutive} upstream calls in a row failed (the last: ${error})`);
    } else if (rateExceeded) {
      this.#moveTo(
        "open",
        `${this.#window.describe()} of the latest upstream calls failed (the last: ${error})`,
      );
    }
  }

  #onSuccess(): void {
    if (this.#state === "half-open") {
      this.#moveTo("closed", "the probe call succeeded");
      return;
    }
    this.#consecutive = 0;
    this.#window.record(false);
  }

  #moveTo(to: CircuitState, reason: string): void {
    const from = this.#state;
    this.#state = to;
    this.#generation += 1;
    this.#probeOut = false;
    this.#consecutive = 0;
    this.#window.reset();
    if (to === "open") this.#openedAt = this.#now();
    this.#emit({ kind: "state", from, to, reason });
  }

  #emit(event: CircuitEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}
