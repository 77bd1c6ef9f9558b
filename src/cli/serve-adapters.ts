import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { type AdapterArtifact, listAdapterFiles, loadAdapterArtifact } from "../adapter/adapter-artifact.js";
import type { AdapterDescription } from "../adapter/adapter-parts.js";
import { adapterFromArtifact, type ClosableAdapter } from "../adapter/load-adapter.js";
import type { CircuitBreaker } from "../large-models/circuit-breaker.js";
import type { ServedAdapter } from "../serve/served-adapters.js";
import { modelNamePattern } from "../serve/served-adapters.js";
import { UsageError } from "../spec/errors/usage-error.js";
import type { LargeModelSetup } from "./lm-options.js";

/** An adapter folder `serve` was asked to serve, and the name it was given (`--adapter NAME=DIR`), if any. */
export interface AdapterFolder {
  directory: string;
  name?: string;
}

/** An adapter folder read, with the model name it is served as. */
export interface ServedArtifact {
  name: string;
  directory: string;
  artifact: AdapterArtifact;
}

/** Commander's collector of a repeatable option: the values given, in order. */
export function collectValues(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * The folders to serve: each `--adapter` value (a folder, or `NAME=DIR`: the folder DIR served as
 * the model NAME; a value that names an existing folder is that folder, even with a `=` in it),
 * then the adapter folders inside each `--adapters` folder, by name. Throws a UsageError when there
 * is none, an `--adapters` folder cannot be read or holds no adapter, or a NAME is not one a model
 * can have.
 */
export async function adapterFolders(
  adapterValues: readonly string[],
  adaptersDirectories: readonly string[],
): Promise<AdapterFolder[]> {
  const folders = adapterValues.map(adapterFolderOf);
  for (const parent of adaptersDirectories) folders.push(...(await adaptersInside(parent)));
  if (folders.length === 0)
    throw new UsageError("give the adapter to serve: --adapter DIR or --adapters DIR");
  return folders;
}

/** The folder (and name) one `--adapter` value gives. */
function adapterFolderOf(value: string): AdapterFolder {
  const equals = value.indexOf("=");
  if (equals < 0 || existsSync(value)) return { directory: value };
  const name = value.slice(0, equals);
  const directory = value.slice(equals + 1);
  // A path with a "/" before its "=" is a path (that does not exist: loading it says so).
  if (name.includes("/")) return { directory: value };
  if (!modelNamePattern.test(name) || directory === "") {
    throw new UsageError(
      `--adapter ${value}: give NAME=DIR, a NAME without spaces, "/" or "=" and the adapter folder DIR`,
    );
  }
  return { name, directory };
}

/** The adapter folders directly inside `parent`, by name. */
async function adaptersInside(parent: string): Promise<AdapterFolder[]> {
  let entries: string[];
  try {
    entries = (await readdir(parent, { withFileTypes: true }))
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(`--adapters ${parent}: cannot read the folder (${reason})`);
  }
  const folders: AdapterFolder[] = [];
  for (const entry of entries) {
    const directory = join(parent, entry);
    if ((await listAdapterFiles(directory)) !== undefined) folders.push({ directory });
  }
  if (folders.length === 0) {
    throw new UsageError(
      `--adapters ${parent}: no adapter folder inside (none holds an adapter's manifest.json)`,
    );
  }
  return folders;
}

/**
 * Reads every folder's adapter and settles the model name it is served as (the name given, else
 * its task name). Throws a UsageError naming both folders when two adapters would have one name.
 */
export async function loadServedArtifacts(folders: readonly AdapterFolder[]): Promise<ServedArtifact[]> {
  const served: ServedArtifact[] = [];
  for (const folder of folders) {
    const artifact = await loadAdapterArtifact(folder.directory);
    const name = folder.name ?? artifact.description.task.name;
    const taken = served.find((entry) => entry.name === name);
    if (taken !== undefined) {
      throw new UsageError(
        `two adapters would be served as the model "${name}" (${taken.directory} and ${folder.directory}): ` +
          `give one its own name with --adapter NAME=DIR`,
      );
    }
    served.push({ name, directory: folder.directory, artifact });
  }
  return served;
}

/**
 * The adapters to serve, each with the LM stack of the LM it was calibrated against (`lmStackFor`)
 * and, when it has one, the circuit breaker; each is added to `opened` as soon as it is loaded.
 */
export async function servedAdapters(
  artifacts: readonly ServedArtifact[],
  lmStackFor: (description: Pick<AdapterDescription, "lmId" | "lmBaseUrl">) => LargeModelSetup | undefined,
  circuitBreaker: CircuitBreaker,
  opened: ClosableAdapter[],
): Promise<ServedModelSetup[]> {
  const served: ServedModelSetup[] = [];
  for (const { name, artifact } of artifacts) {
    const setup = lmStackFor(artifact.description);
    if (setup?.dryRun === true) throw new UsageError("--dry-run makes no sense for serve");
    const adapter = await adapterFromArtifact(artifact, { largeModel: setup?.model });
    opened.push(adapter);
    served.push({
      name,
      adapter,
      circuitBreaker: setup === undefined ? undefined : circuitBreaker,
      lm: setup?.model.id ?? "none",
    });
  }
  return served;
}

/** A served adapter, its name settled, and the id of the LM it calls ("none" without one). */
export type ServedModelSetup = ServedAdapter & { name: string; lm: string };

/** `model "tickets", LM openai-compatible:gpt-4o-mini`, or with several: `models "a" (LM …), "b" (LM …)`. */
export function describeModels(served: readonly ServedModelSetup[]): string {
  const [only] = served;
  if (served.length === 1 && only !== undefined) return `model "${only.name}", LM ${only.lm}`;
  return `models ${served.map((entry) => `"${entry.name}" (LM ${entry.lm})`).join(", ")}`;
}
