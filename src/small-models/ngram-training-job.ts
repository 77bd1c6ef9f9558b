import type { MessagePort } from "node:worker_threads";
import { UsageError } from "../spec/errors/usage-error.js";
import type { TrainingSet } from "../spec/small-model.js";
import { FeatureCountCache } from "./feature-count-cache.js";
import type { ArtifactArray } from "./model-artifact.js";
import { NgramLinearModel } from "./ngram-linear-model.js";
import { trainNgramLinear } from "./train-ngram-linear.js";

/** What a training thread is asked: train `set` with the default `trainNgramLinear` settings. */
export interface NgramTrainingRequest {
  id: number;
  set: TrainingSet;
}

/** What a training thread answers: the model as its artifact (arrays transferred, not copied), or the error. */
export type NgramTrainingReply =
  | { kind: "done"; id: number; header: Record<string, unknown>; arrays: Record<string, ArtifactArray> }
  | { kind: "failed"; id: number; name: string; message: string };

/**
 * Serves training requests on `port` (a worker's `parentPort`), one at a time in arrival order:
 * `trainNgramLinear(set)` with one feature-count cache across the requests (the folds share most
 * of their texts), each model sent back as `toArtifact()` with its arrays' buffers transferred.
 */
export function serveNgramTraining(port: MessagePort): void {
  const featureCounts = new FeatureCountCache();
  let queue = Promise.resolve();
  port.on("message", (request: NgramTrainingRequest) => {
    queue = queue.then(() => trainOne(request, featureCounts, port));
  });
}

async function trainOne(
  request: NgramTrainingRequest,
  featureCounts: FeatureCountCache,
  port: MessagePort,
): Promise<void> {
  let reply: NgramTrainingReply;
  try {
    const model = await trainNgramLinear(request.set, {}, { featureCounts });
    const { header, arrays } = model.toArtifact();
    reply = { kind: "done", id: request.id, header, arrays: ownedArrays(arrays) };
  } catch (error) {
    const { name, message } = error instanceof Error ? error : new Error(String(error));
    port.postMessage({ kind: "failed", id: request.id, name, message } satisfies NgramTrainingReply);
    return;
  }
  const buffers = new Set(Object.values(reply.arrays).map((array) => array.buffer));
  port.postMessage(
    reply,
    [...buffers].filter((buffer) => buffer instanceof ArrayBuffer),
  );
}

/** The arrays, each copied unless it is the whole of its own buffer (so transferring one moves nothing else). */
function ownedArrays(arrays: Record<string, ArtifactArray>): Record<string, ArtifactArray> {
  const owned: Record<string, ArtifactArray> = {};
  const buffers = new Set<ArrayBufferLike>();
  for (const [name, array] of Object.entries(arrays)) {
    const whole = array.byteOffset === 0 && array.byteLength === array.buffer.byteLength;
    owned[name] = whole && !buffers.has(array.buffer) ? array : array.slice();
    buffers.add(owned[name].buffer);
  }
  return owned;
}

/** The model a training thread sent back, rebuilt (the same parts as the model trained there). */
export function modelFromReply(reply: Extract<NgramTrainingReply, { kind: "done" }>): NgramLinearModel {
  return NgramLinearModel.fromArtifact(reply.header, reply.arrays, "(training thread)");
}

/** The error a training thread reported, as the class it was thrown as where that is known. */
export function errorFromReply(reply: Extract<NgramTrainingReply, { kind: "failed" }>): Error {
  if (reply.name === "UsageError") return new UsageError(reply.message);
  if (reply.name === "RangeError") return new RangeError(reply.message);
  if (reply.name === "TypeError") return new TypeError(reply.message);
  const error = new Error(reply.message);
  error.name = reply.name;
  return error;
}
