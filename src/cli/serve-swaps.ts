import type { ClosableAdapter } from "../adapter/load-adapter.js";
import type { ServeHandle } from "../serve/start-serve.js";
import type { Adapter } from "../spec/adapter.js";
import { retireAdapter } from "./retire-adapter.js";
import type { ServeOnline } from "./serve-online.js";
import { type AdapterReloaderOptions, createAdapterReloader, type ReloadableFolder } from "./serve-reload.js";

/** What swaps adapters into a running serve: its folders, the adapters it opened, online mode. */
export interface ServeSwapsOptions {
  serve: Pick<ServeHandle, "replaceAdapter" | "decisionLog">;
  folders: readonly ReloadableFolder[];
  /** The adapters served at start, by model name. */
  served: readonly { name: string; adapter: Adapter }[];
  /** The adapters serve opened and has not closed yet (a replaced one is closed after `graceMs`). */
  opened: ClosableAdapter[];
  graceMs: number;
  online: Pick<ServeOnline, "connect" | "learners">;
  build: AdapterReloaderOptions["build"];
  watch: boolean;
  say(line: string): void;
}

/**
 * Everything that swaps an adapter in while serve runs: online refreshes, SIGHUP (which also
 * reopens the decision log) and `--watch`. Both go through one `replace` that keeps the id each
 * model serves now (what reload lines name); a reload tells the model's learner to go on from the
 * folder reloaded. Returns the stop.
 */
export function startServeSwaps(options: ServeSwapsOptions): () => void {
  const { serve, opened, graceMs } = options;
  const servedIds = new Map(options.served.map((entry) => [entry.name, entry.adapter.id]));
  const replace = (name: string, adapter: Adapter) => {
    servedIds.set(name, adapter.id);
    return serve.replaceAdapter(name, adapter);
  };
  options.online.connect((name, adapter) => retireAdapter(replace(name, adapter), opened, graceMs));
  const reloader = createAdapterReloader({
    folders: options.folders,
    initialIds: new Map(servedIds),
    servedId: (name) => servedIds.get(name),
    build: options.build,
    replace,
    retire: (old) => retireAdapter(old, opened, graceMs),
    // A deploy reloaded is what the model's learner goes on from (not its own last refresh).
    reloaded: (name, directory) => options.online.learners.get(name)?.restartFrom(directory),
    say: options.say,
  });
  const onHangUp = () => {
    void serve.decisionLog.reopen();
    void reloader.reloadAll();
  };
  process.on("SIGHUP", onHangUp);
  const stopWatching = options.watch ? reloader.watch() : () => {};
  return () => {
    stopWatching();
    process.off("SIGHUP", onHangUp);
  };
}
