import { createHash } from "node:crypto";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import type { TrainedSsm } from "../small-models/ssm-trainer.js";
import { ArtifactError } from "../spec/errors/artifact-error.js";
import { type AdapterDescription, adapterDescriptionSchema } from "./adapter-parts.js";
import { ssmCodecFor } from "./ssm-codec.js";

/**
 * The adapter folder: `adapter.json` (task, router, gate, operating point, fingerprints, versions),
 * `ssm-1.bin` … `ssm-K.bin` (the cross-fitted small models, each in its kind's own checksummed
 * format), `calibration.json` (out-of-fold estimates, the operating
 * curve, the underfit map) and `manifest.json`, which lists each file's size and sha256. Loading
 * checks the format, its version and every checksum before parsing anything: a broken or
 * mismatched adapter is refused whole with an ArtifactError.
 */
export const adapterFormat = "easy-adapt-adapter";
export const adapterFormatVersion = 1;

const manifestSchema = z.object({
  format: z.string(),
  formatVersion: z.number().int(),
  createdBy: z.string(),
  files: z.array(z.object({ path: z.string(), bytes: z.number().int().nonnegative(), sha256: z.string() })),
});

/**
 * The files of the easy-adapt adapter in `directory` (those its manifest lists, and the manifest),
 * or undefined where there is none: no manifest.json, or one that is not an easy-adapt adapter's.
 * Never throws.
 */
export async function listAdapterFiles(directory: string): Promise<string[] | undefined> {
  let text: string;
  try {
    text = await readFile(join(directory, "manifest.json"), "utf8");
  } catch {
    return undefined;
  }
  let manifest: z.infer<typeof manifestSchema>;
  try {
    manifest = manifestSchema.parse(JSON.parse(text));
  } catch {
    return undefined;
  }
  if (manifest.format !== adapterFormat) return undefined;
  // Only plain file names: a manifest never names a file outside its folder.
  const files = manifest.files
    .map((entry) => entry.path)
    .filter((path) => /^[\w.-]+$/.test(path) && !path.startsWith("."));
  return [...files, "manifest.json"];
}

export interface AdapterArtifact {
  description: AdapterDescription;
  ssms: readonly TrainedSsm[];
  calibration: Record<string, unknown>;
}

export function ssmFileName(index: number): string {
  return `ssm-${index + 1}.bin`;
}

export function sha256(content: string | Uint8Array): string {
  return createHash("sha256").update(content).digest("hex");
}

export async function saveAdapterArtifact(directory: string, artifact: AdapterArtifact): Promise<void> {
  await mkdir(directory, { recursive: true });
  // A stale manifest must not vouch for half-written files.
  await rm(join(directory, "manifest.json"), { force: true });
  const paths = ["adapter.json", "calibration.json"];
  for (const [index, ssm] of artifact.ssms.entries()) {
    const path = join(directory, ssmFileName(index));
    await ssmCodecFor(ssm.kind, path).save(ssm, path);
    paths.push(ssmFileName(index));
  }
  await writeFile(join(directory, "adapter.json"), `${JSON.stringify(artifact.description, null, 2)}\n`);
  await writeFile(join(directory, "calibration.json"), `${JSON.stringify(artifact.calibration, null, 2)}\n`);
  const files = [];
  for (const path of paths) {
    const content = await readFile(join(directory, path));
    files.push({ path, bytes: content.length, sha256: sha256(content) });
  }
  const manifest = {
    format: adapterFormat,
    formatVersion: adapterFormatVersion,
    createdBy: `easy-adapt ${artifact.description.versions.easyAdapt}`,
    files,
  };
  await writeFile(join(directory, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
}

export async function loadAdapterArtifact(directory: string): Promise<AdapterArtifact> {
  const manifestPath = join(directory, "manifest.json");
  const manifestText = await readText(manifestPath, "the adapter's manifest is missing or unreadable");
  const manifest = parseJson(manifestText, manifestPath, manifestSchema);
  if (manifest.format !== adapterFormat) {
    throw new ArtifactError(`not an easy-adapt adapter (format "${manifest.format}")`, manifestPath);
  }
  if (manifest.formatVersion !== adapterFormatVersion) {
    throw new ArtifactError(
      `adapter format version ${manifest.formatVersion} (${manifest.createdBy}) is not supported: this easy-adapt reads version ${adapterFormatVersion}; re-run easy-adapt adapt`,
      manifestPath,
    );
  }
  // Every listed file is checked (size, then sha256) before anything is parsed.
  const contents = new Map<string, Buffer>();
  for (const entry of manifest.files) {
    if (entry.path.includes("/") || entry.path.includes("\\") || entry.path.startsWith(".")) {
      throw new ArtifactError(
        `the manifest lists a file outside the adapter folder: ${entry.path}`,
        manifestPath,
      );
    }
    const filePath = join(directory, entry.path);
    let content: Buffer;
    try {
      content = await readFile(filePath);
    } catch (error) {
      throw new ArtifactError("listed in the manifest but missing or unreadable", filePath, { cause: error });
    }
    if (content.length !== entry.bytes) {
      throw new ArtifactError(
        `truncated or altered: ${content.length} bytes, the manifest says ${entry.bytes}`,
        filePath,
      );
    }
    if (sha256(content) !== entry.sha256) {
      throw new ArtifactError(
        "checksum mismatch: the file was altered after the adapter was written",
        filePath,
      );
    }
    contents.set(entry.path, content);
  }
  const listed = (path: string): Buffer => {
    const content = contents.get(path);
    if (content === undefined) throw new ArtifactError(`the manifest does not list ${path}`, manifestPath);
    return content;
  };
  const descriptionPath = join(directory, "adapter.json");
  const description = parseJson(
    listed("adapter.json").toString("utf8"),
    descriptionPath,
    adapterDescriptionSchema,
  );
  const calibration = parseJson(
    listed("calibration.json").toString("utf8"),
    join(directory, "calibration.json"),
    z.record(z.string(), z.unknown()),
  );
  const labelCount = description.task.labels.length;
  if (
    description.reliability.labelCount !== labelCount ||
    description.ssmPrecision.length !== labelCount ||
    description.reliability.recall.length !== labelCount
  ) {
    throw new ArtifactError("the router's label statistics do not match the task's labels", descriptionPath);
  }
  const ssms: TrainedSsm[] = [];
  for (let index = 0; index < description.ssmCount; index += 1) {
    const ssmPath = join(directory, ssmFileName(index));
    // Decoded from the bytes whose checksum was verified above (no second read), then let go.
    const ssm = ssmCodecFor(description.ssmKind, ssmPath).decode(listed(ssmFileName(index)), ssmPath);
    contents.delete(ssmFileName(index));
    if (ssm.kind !== description.ssmKind) {
      throw new ArtifactError(
        `holds a "${ssm.kind}" model but adapter.json expects "${description.ssmKind}"`,
        ssmPath,
      );
    }
    if (
      ssm.labels.length !== labelCount ||
      ssm.labels.some((label, position) => label !== description.task.labels[position])
    ) {
      throw new ArtifactError("the small model's labels differ from the task's labels", ssmPath);
    }
    ssms.push(ssm);
  }
  return { description, ssms, calibration };
}

async function readText(path: string, message: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    throw new ArtifactError(message, path, { cause: error });
  }
}

function parseJson<Schema extends z.ZodType>(text: string, path: string, schema: Schema): z.output<Schema> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ArtifactError("not valid JSON (corrupted or truncated)", path, { cause: error });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ArtifactError(`invalid content: ${z.prettifyError(parsed.error)}`, path);
  return parsed.data;
}
