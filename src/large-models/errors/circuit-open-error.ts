import { EasyAdaptError } from "../../spec/errors/easy-adapt-error.js";

/** The circuit breaker on the upstream is open: no call was made. Not retried. */
export class CircuitOpenError extends EasyAdaptError {
  constructor() {
    super("the circuit breaker on the large model is open after repeated failures: no call was made", {
      isRetryable: false,
    });
    this.name = "CircuitOpenError";
  }
}
