import { execFileSync } from "node:child_process";
import { mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listAdapterFiles, loadAdapterArtifact, sha256 } from "../../src/adapter/adapter-artifact.js";
import { ArtifactError } from "../../src/spec/errors/artifact-error.js";

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "adapter-file-types-"));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

const adapterJson = Buffer.from('{"not": "checked before the files are"}\n');
const ssmBytes = Buffer.alloc(64, 7);

/** An adapter folder whose manifest lists adapter.json and ssm-1.bin as a true adapter's would. */
async function writeFolder(): Promise<void> {
  const files = [
    { path: "adapter.json", bytes: adapterJson.length, sha256: sha256(adapterJson) },
    { path: "ssm-1.bin", bytes: ssmBytes.length, sha256: sha256(ssmBytes) },
  ];
  await writeFile(join(directory, "adapter.json"), adapterJson);
  await writeFile(join(directory, "ssm-1.bin"), ssmBytes);
  const manifest = { format: "easy-adapt-adapter", formatVersion: 1, createdBy: "easy-adapt test", files };
  await writeFile(join(directory, "manifest.json"), JSON.stringify(manifest));
}

async function replaceWithFifo(name: string): Promise<void> {
  await rm(join(directory, name));
  execFileSync("mkfifo", [join(directory, name)]);
}

async function replaceWithDevZero(name: string): Promise<void> {
  await rm(join(directory, name));
  await symlink("/dev/zero", join(directory, name));
}

/** The loader's refusal, which must come within a second (a read of the FIFO or /dev/zero would never end). */
async function refusal(): Promise<ArtifactError> {
  const startedAt = Date.now();
  const outcome = await Promise.race([
    loadAdapterArtifact(directory).then(
      () => new Error("loaded"),
      (error: unknown) => error,
    ),
    new Promise((resolve) => setTimeout(() => resolve(new Error("still reading after 5 s")), 5_000).unref()),
  ]);
  expect(outcome).toBeInstanceOf(ArtifactError);
  expect(Date.now() - startedAt).toBeLessThan(1_000);
  return outcome as ArtifactError;
}

describe("the adapter loader checks each file's type and size before reading it", () => {
  for (const name of ["ssm-1.bin", "adapter.json", "manifest.json"]) {
    it(`refuses a FIFO in place of ${name} at once, naming it`, async () => {
      await writeFolder();
      await replaceWithFifo(name);
      const error = await refusal();
      expect(error.path).toBe(join(directory, name));
      expect(error.message).toContain("not a regular file (a FIFO)");
    });

    it(`refuses a symlink to /dev/zero in place of ${name} at once, naming it`, async () => {
      await writeFolder();
      await replaceWithDevZero(name);
      const error = await refusal();
      expect(error.path).toBe(join(directory, name));
      expect(error.message).toContain("not a regular file (a device)");
    });
  }

  it("refuses a file larger than the manifest says without reading it", async () => {
    await writeFolder();
    await writeFile(join(directory, "ssm-1.bin"), Buffer.alloc(64 * 1024 * 1024));
    const error = await refusal();
    expect(error.path).toBe(join(directory, "ssm-1.bin"));
    expect(error.message).toContain(`${64 * 1024 * 1024} bytes, the manifest says ${ssmBytes.length}`);
  });

  it("refuses a folder in place of a listed file, and a manifest over 1 MiB", async () => {
    await writeFolder();
    await rm(join(directory, "ssm-1.bin"));
    execFileSync("mkdir", [join(directory, "ssm-1.bin")]);
    expect((await refusal()).message).toContain("not a regular file (a folder)");
    await writeFile(join(directory, "manifest.json"), " ".repeat(2 * 1024 * 1024));
    const error = await refusal();
    expect(error.path).toBe(join(directory, "manifest.json"));
    expect(error.message).toContain("over the limit");
  });

  it("lists no files for a folder whose manifest is a FIFO (without hanging)", async () => {
    await writeFolder();
    await replaceWithFifo("manifest.json");
    expect(await listAdapterFiles(directory)).toBeUndefined();
  });
});
