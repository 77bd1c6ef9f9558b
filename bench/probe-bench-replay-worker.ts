/**
 * Worker thread of probe-bench: runs the replay server on its own event loop (as the separate
 * `easy-adapt replay-server` process would) and posts its URL to the parent.
 */
import { parentPort, workerData } from "node:worker_threads";
import { z } from "zod";
import { loadRecordedAnswers } from "../src/data/recorded-answers.js";
import { startReplayServer } from "../src/replay/replay-server.js";

const data = z.object({ file: z.string(), column: z.string() }).parse(workerData);
const answers = await loadRecordedAnswers([data.file], data.column);
const server = await startReplayServer({ answers });
parentPort?.postMessage(server.url);
parentPort?.on("message", async () => {
  await server.close();
  parentPort?.close();
});
