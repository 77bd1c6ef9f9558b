import type { ClosableAdapter } from "../adapter/load-adapter.js";
import type { Adapter } from "../spec/adapter.js";

/**
 * Closes an adapter a swap replaced once the requests on it are done (after `graceMs`: a request's
 * deadline bounds its wait), unless the server closes it first. `opened` holds the adapters serve
 * opened and has not closed yet; the one retired leaves it. An LM-first adapter (what online mode
 * serves after an agreement drop) was not opened from a folder: the adapter it falls back on, which
 * was, is the one retired, so that its sentence encoder's threads are released.
 */
export function retireAdapter(old: Adapter, opened: ClosableAdapter[], graceMs: number): void {
  const fallback = "fallback" in old ? (old.fallback as Adapter | undefined) : undefined;
  const target = opened.includes(old as ClosableAdapter) ? old : fallback;
  const index = target === undefined ? -1 : opened.indexOf(target as ClosableAdapter);
  if (index < 0) return;
  const [closable] = opened.splice(index, 1);
  setTimeout(() => void closable?.close(), graceMs).unref();
}
