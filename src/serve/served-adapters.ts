import type { CircuitBreaker } from "../large-models/circuit-breaker.js";
import type { Adapter } from "../spec/adapter.js";
import { ServeStartError } from "../spec/errors/serve-start-error.js";

/** One adapter of a server that serves several, and the model name requests pick it by. */
export interface ServedAdapter {
  /** The `model` requests name it by (default: its task name). */
  name?: string | undefined;
  adapter: Adapter;
  /**
   * The circuit breaker on this adapter's upstream LLM, when there is one (adapters calling the same
   * upstream share one); default: the server's `circuitBreaker`.
   */
  circuitBreaker?: CircuitBreaker | undefined;
}

/** A served adapter with its name settled. */
export interface NamedAdapter {
  readonly name: string;
  readonly adapter: Adapter;
  readonly circuitBreaker: CircuitBreaker | undefined;
}

/** What a server is given to serve: one adapter, or several (exactly one of the two). */
export interface AdapterChoice {
  adapter?: Adapter | undefined;
  adapters?: readonly ServedAdapter[] | undefined;
  /** The breaker of `adapter`, and of the `adapters` that name none of their own. */
  circuitBreaker?: CircuitBreaker | undefined;
}

/** A name given to an adapter: one `/v1/models/{model}` can hold, without whitespace, `/` or `=`. */
export const modelNamePattern = /^[^\s/=]+$/;

/**
 * The adapters to serve, each with its model name (its own `name`, else its task name) and its
 * breaker. Throws a ServeStartError when there is no adapter, both `adapter` and `adapters` are
 * given, a name given is empty or holds whitespace, `/` or `=`, or two adapters have the same name.
 */
export function namedAdapters(choice: AdapterChoice): NamedAdapter[] {
  if (choice.adapter !== undefined && choice.adapters !== undefined) {
    throw new ServeStartError("give the server `adapter` or `adapters`, not both");
  }
  const served = choice.adapters ?? (choice.adapter === undefined ? [] : [{ adapter: choice.adapter }]);
  if (served.length === 0) throw new ServeStartError("the server has no adapter to serve");
  const named = served.map((entry) => ({
    name: entry.name ?? entry.adapter.task.name,
    adapter: entry.adapter,
    circuitBreaker: entry.circuitBreaker ?? choice.circuitBreaker,
  }));
  for (const { name } of served) {
    if (name !== undefined && !modelNamePattern.test(name)) {
      throw new ServeStartError(
        `${JSON.stringify(name)} cannot be a model name (empty, or with spaces, "/" or "="): give the adapter another name`,
      );
    }
  }
  const duplicate = duplicateName(named.map((entry) => entry.name));
  if (duplicate !== undefined) {
    throw new ServeStartError(
      `two adapters would be served as the model "${duplicate}": give each its own name (NAME=DIR on the command line)`,
    );
  }
  return named;
}

/** The first name that appears twice, if any. */
export function duplicateName(names: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) return name;
    seen.add(name);
  }
  return undefined;
}
