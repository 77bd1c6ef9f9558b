import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeArtifact } from "../../src/small-models/model-artifact.js";
import type { TrainedSmallModel } from "../../src/small-models/trained-small-model.js";
import { ArtifactError } from "../../src/spec/errors/artifact-error.js";
import type { TrainingSet } from "../../src/spec/small-model.js";

/** A small three-label task with overlapping vocabulary, made deterministically. */
export function toyTrainingSet(rowsPerLabel = 40): TrainingSet {
  const topics: Record<string, string[]> = {
    card: ["card", "delivery", "arrive", "post", "mail", "tracking", "lost", "new"],
    refund: ["refund", "money", "back", "return", "reimburse", "cancel", "order", "paid"],
    exchange: ["exchange", "rate", "currency", "euro", "dollar", "convert", "fee", "abroad"],
  };
  const shared = ["my", "the", "when", "will", "i", "get", "please", "help", "is", "how"];
  const labels = Object.keys(topics);
  const texts: string[] = [];
  const ids: number[] = [];
  let state = 7;
  const next = (modulo: number): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state >>> 8) % modulo;
  };
  for (let row = 0; row < rowsPerLabel; row++) {
    labels.forEach((label, id) => {
      const words = topics[label]!;
      const parts = [shared[next(shared.length)]!, words[next(words.length)]!, shared[next(shared.length)]!];
      parts.push(
        words[next(words.length)]!,
        next(3) === 0 ? labels[(id + 1) % 3]! : shared[next(shared.length)]!,
      );
      texts.push(parts.join(" "));
      ids.push(id);
    });
  }
  return { texts, labelIds: Int32Array.from(ids), labels };
}

export interface SmallModelKind {
  kind: string;
  train(set: TrainingSet, seed: number): Promise<TrainedSmallModel>;
  load(path: string): Promise<TrainedSmallModel>;
}

/** The contract every small-model kind passes: train, predict, save/load, refusal of bad files, determinism. */
export function describeSmallModelContract(subject: SmallModelKind): void {
  describe(`small-model contract: ${subject.kind}`, () => {
    const set = toyTrainingSet();
    let model: TrainedSmallModel;
    let directory: string;
    const probes = [
      "when will my new card arrive",
      "i want my money back",
      "what is the euro exchange rate",
      "zzz",
    ];

    beforeAll(async () => {
      directory = await mkdtemp(join(tmpdir(), `easy-adapt-${subject.kind}-`));
      model = await subject.train(set, 3);
    });
    afterAll(async () => {
      await rm(directory, { recursive: true, force: true });
    });

    it("has its kind and the training set's labels in order", () => {
      expect(model.kind).toBe(subject.kind);
      expect([...model.labels]).toEqual(set.labels);
    });

    it("returns one probability per label, summing to 1, and learns the task", () => {
      for (const text of probes) {
        const probabilities = model.predictProba(text);
        expect(probabilities).toHaveLength(set.labels.length);
        const sum = probabilities.reduce((total, value) => total + value, 0);
        expect(sum).toBeCloseTo(1, 5);
        for (const value of probabilities) expect(value).toBeGreaterThanOrEqual(0);
      }
      const best = (text: string): string => {
        const probabilities = model.predictProba(text);
        return set.labels[probabilities.indexOf(Math.max(...probabilities))]!;
      };
      expect(best(probes[0]!)).toBe("card");
      expect(best(probes[1]!)).toBe("refund");
      expect(best(probes[2]!)).toBe("exchange");
    });

    it("predicts into a caller's buffer exactly what predictProba returns", () => {
      const out = new Float32Array(set.labels.length);
      model.predictProbaInto(probes[0]!, out);
      expect([...out]).toEqual([...model.predictProba(probes[0]!)]);
    });

    it("measures novelty in [0, 1]: low on training text, 1 on unseen text", () => {
      expect(model.novelty(set.texts[0]!)).toBe(0);
      expect(model.novelty("ξζψ ωφχ")).toBe(1);
      const partial = model.novelty("card ξζψ");
      expect(partial).toBeGreaterThan(0);
      expect(partial).toBeLessThan(1);
    });

    it("round-trips through a saved file and through toJSON", async () => {
      const path = join(directory, "model.bin");
      await model.save(path);
      const loaded = await subject.load(path);
      expect(loaded.kind).toBe(model.kind);
      expect([...loaded.labels]).toEqual([...model.labels]);
      for (const text of probes) {
        const expected = model.predictProba(text);
        const actual = loaded.predictProba(text);
        expected.forEach((value, index) => {
          expect(actual[index]).toBeCloseTo(value, 6);
        });
      }
      const snapshot = JSON.parse(JSON.stringify(model.toJSON())) as { kind: string; version: number };
      expect(snapshot.kind).toBe(subject.kind);
      expect(snapshot.version).toBeGreaterThanOrEqual(1);
    });

    it("refuses a corrupted, truncated or foreign file with ArtifactError", async () => {
      const path = join(directory, "good.bin");
      await model.save(path);
      const bytes = await readFile(path);
      const corrupted = Buffer.from(bytes);
      corrupted[corrupted.length - 3] = corrupted[corrupted.length - 3]! ^ 0x5a;
      const truncated = bytes.subarray(0, bytes.length - 10);
      const foreign = Buffer.from("text,label\nhello,a\n");
      const otherKind = encodeArtifact({ header: { kind: "no-such-kind", version: 1 }, arrays: {} });
      for (const [name, content] of Object.entries({ corrupted, truncated, foreign, otherKind })) {
        const bad = join(directory, `${name}.bin`);
        await writeFile(bad, content);
        await expect(subject.load(bad), name).rejects.toBeInstanceOf(ArtifactError);
      }
      await expect(subject.load(join(directory, "absent.bin"))).rejects.toBeInstanceOf(ArtifactError);
    });

    it("is deterministic for a seed", async () => {
      const again = await subject.train(set, 3);
      for (const text of probes) expect([...again.predictProba(text)]).toEqual([...model.predictProba(text)]);
      const first = join(directory, "first.bin");
      const second = join(directory, "second.bin");
      await model.save(first);
      await again.save(second);
      expect((await readFile(first)).equals(await readFile(second))).toBe(true);
    });
  });
}
