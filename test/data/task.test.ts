import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadTask } from "../../src/data/task-file.js";
import { taskFromRows } from "../../src/data/task-from-rows.js";
import { trainingSetFromRows } from "../../src/data/training-set.js";
import { DataError } from "../../src/spec/errors/data-error.js";

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "easy-adapt-task-"));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function taskError(content: string): Promise<DataError> {
  const path = join(directory, `task-${Math.abs(content.length * 31 + content.charCodeAt(5))}.json`);
  await writeFile(path, content);
  const error = await loadTask(path).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DataError);
  expect((error as DataError).location.file).toBe(path);
  return error as DataError;
}

describe("loadTask", () => {
  it("reads a valid task file", async () => {
    const task = await loadTask(fileURLToPath(new URL("../fixtures/data/task.json", import.meta.url)));
    expect(task).toEqual({
      name: "greetings",
      labels: ["greeting", "farewell"],
      instructions: "Say which.",
      examples: [{ text: "hi", label: "greeting" }],
    });
  });

  it("names the field that is wrong", async () => {
    expect((await taskError('{"labels":["a","b"]}')).message).toContain('field "name"');
    expect((await taskError('{"name":"t","labels":["a","a"]}')).message).toContain("unique");
    expect((await taskError('{"name":"t","labels":["a",""]}')).message).toContain('field "labels.1"');
    expect(
      (await taskError('{"name":"t","labels":["a","b"],"examples":[{"text":"x","label":"c"}]}')).message,
    ).toContain('field "examples.0.label"');
  });

  it("reads a task file that begins with a UTF-8 byte order mark", async () => {
    const path = join(directory, "task-bom.json");
    await writeFile(path, '\uFEFF{"name":"t","labels":["a","b"]}\n', "utf8");
    expect(await loadTask(path)).toEqual({ name: "t", labels: ["a", "b"] });
  });

  it("reads and drops an editor's $schema key", async () => {
    const path = join(directory, "task-schema.json");
    await writeFile(path, '{"$schema":"./task.schema.json","name":"t","labels":["a","b"]}', "utf8");
    expect(await loadTask(path)).toEqual({ name: "t", labels: ["a", "b"] });
  });

  it("refuses unknown keys, naming them and the keys allowed", async () => {
    const typo = await taskError('{"name":"t","lables":["a","b"]}');
    expect(typo.message).toContain('unknown key "lables"');
    expect(typo.message).toContain("allowed keys: name, labels, instructions, examples, $schema");
    const extra = await taskError('{"name":"t","labels":["a","b"],"instruction":"x","notes":1}');
    expect(extra.message).toContain('unknown keys "instruction", "notes"');
    const inExample = await taskError(
      '{"name":"t","labels":["a","b"],"examples":[{"text":"x","lable":"a"}]}',
    );
    expect(inExample.message).toContain(
      'field "examples.0": unknown key "lable" (allowed keys: text, label)',
    );
  });

  it("refuses a file that is not JSON", async () => {
    expect((await taskError("{ name: t }")).message).toContain("not valid JSON");
  });
});

describe("taskFromRows and trainingSetFromRows", () => {
  const rows = [
    { text: "one", label: "b", columns: {} },
    { text: "two", label: "a", columns: {} },
    { text: "three", columns: {} },
    { text: "four", label: "b", columns: {} },
  ];

  it("takes the sorted distinct labels", () => {
    expect(taskFromRows("t", rows)).toEqual({ name: "t", labels: ["a", "b"] });
  });

  it("refuses data with fewer than two labels", () => {
    expect(() => taskFromRows("t", rows.slice(0, 1))).toThrow(DataError);
  });

  it("keeps labelled rows with ids in the task's label order", () => {
    const set = trainingSetFromRows(rows, { name: "t", labels: ["b", "a"] });
    expect(set.texts).toEqual(["one", "two", "four"]);
    expect([...set.labelIds]).toEqual([0, 1, 0]);
  });
});
