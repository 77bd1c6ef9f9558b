import { existsSync, type FSWatcher, watch } from "node:fs";
import { basename, dirname, join } from "node:path";
import { loadAdapterArtifact } from "../adapter/adapter-artifact.js";
import type { Adapter } from "../spec/adapter.js";

/** A served model's folder: what a reload reads again. */
export interface ReloadableFolder {
  name: string;
  directory: string;
}

/** What the reloader needs of serve: loading a folder's adapter, and swapping it in. */
export interface AdapterReloaderOptions {
  folders: readonly ReloadableFolder[];
  /** The id of the adapter each folder held at start (by model name): an unchanged folder is not reloaded. */
  initialIds: ReadonlyMap<string, string | undefined>;
  /** The id of the adapter a model serves now (online mode's refreshes swap adapters in too): what reload lines name. */
  servedId(name: string): string | undefined;
  /** Builds the served adapter of a checked artifact (its LM stack, its encoder). */
  build(
    folder: ReloadableFolder,
    artifact: Awaited<ReturnType<typeof loadAdapterArtifact>>,
  ): Promise<Adapter>;
  /** Serves `adapter` as the model `name`; returns the one it replaces. */
  replace(name: string, adapter: Adapter): Adapter;
  /** Called with a replaced adapter: close it once the requests on it are done. */
  retire(adapter: Adapter): void;
  /** Told of each adapter a reload swapped in, and the folder it came from (online mode learns from it on). */
  reloaded?(name: string, directory: string): void;
  /** One line to stderr. */
  say(line: string): void;
  /** How long the folder must stay quiet before `--watch` reloads it (default 300 ms). */
  debounceMs?: number;
}

/** Reloads served adapter folders: all on SIGHUP, one when `--watch` sees its folder change. */
export interface AdapterReloader {
  /** Reloads every folder, one at a time. Never rejects. */
  reloadAll(): Promise<void>;
  /** Watches every folder (its parent, for a folder renamed into place, and the folder itself); returns the stop. */
  watch(): () => void;
}

/**
 * The reloader of serve. A folder whose adapter has the id it had when last loaded is left as it
 * is (an online refresh swapped in since is kept); one
 * that fails to load (missing, half-written, corrupt: every file's hash is checked against the
 * manifest) keeps the adapter served, said in one loud stderr line. Reloads run one at a time.
 */
export function createAdapterReloader(options: AdapterReloaderOptions): AdapterReloader {
  const ids = new Map(options.initialIds);
  let chain: Promise<void> = Promise.resolve();

  async function reloadFolder(folder: ReloadableFolder, quietWhileWritten: boolean): Promise<void> {
    // Under --watch, a folder without a manifest is still being written: its manifest comes last.
    if (quietWhileWritten && !existsSync(join(folder.directory, "manifest.json"))) return;
    const served = options.servedId(folder.name) ?? "none";
    try {
      const artifact = await loadAdapterArtifact(folder.directory);
      if (artifact.id !== undefined && artifact.id === ids.get(folder.name)) return;
      const adapter = await options.build(folder, artifact);
      options.retire(options.replace(folder.name, adapter));
      ids.set(folder.name, artifact.id);
      options.reloaded?.(folder.name, folder.directory);
      options.say(
        `easy-adapt serve: reloaded model "${folder.name}" from ${folder.directory}: adapter ${served} -> ${artifact.id ?? "?"}`,
      );
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      options.say(
        `easy-adapt serve: RELOAD FAILED for model "${folder.name}" (${folder.directory}): ${reason}; still serving adapter ${served}`,
      );
    }
  }

  const enqueue = (folder: ReloadableFolder, quiet: boolean) => {
    chain = chain.then(() => reloadFolder(folder, quiet));
    return chain;
  };

  return {
    async reloadAll() {
      for (const folder of options.folders) await enqueue(folder, false);
    },
    watch() {
      const stops = options.folders.map((folder) =>
        watchFolder(folder.directory, options.debounceMs ?? 300, () => enqueue(folder, true)),
      );
      return () => {
        for (const stop of stops) stop();
      };
    },
  };
}

/**
 * Calls `onChange` once `directory` has been quiet for `debounceMs` after a change: a file written
 * in it, or the folder itself renamed, replaced or removed (seen from its parent). The watch on the
 * folder is set again after each change (a folder renamed into place is a new folder). Returns the stop.
 */
function watchFolder(directory: string, debounceMs: number, onChange: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  let inside: FSWatcher | undefined;
  let stopped = false;
  const name = basename(directory);

  const watchInside = () => {
    inside?.close();
    inside = undefined;
    if (stopped) return;
    try {
      inside = watch(directory, changed);
      inside.on("error", () => inside?.close());
      inside.unref();
    } catch {
      // The folder is not there (yet): its parent's watch sees it come.
    }
  };
  function changed(): void {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      watchInside();
      onChange();
    }, debounceMs);
    timer.unref();
  }
  const parent = watch(dirname(directory), (_event, file) => {
    if (file === null || file === name) changed();
  });
  parent.on("error", () => parent.close());
  parent.unref();
  watchInside();
  return () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
    parent.close();
    inside?.close();
  };
}
