import { type Context, Hono } from "hono";
import { z } from "zod";
import { errorBody } from "../replay-errors.js";
import { type ReplayEnv, readJson } from "../replay-request.js";
import type { ReplayBatch, ReplayBatches, ReplayBatchOutcome } from "./replay-batches.js";

const inputLineSchema = z.object({
  custom_id: z.string().min(1),
  method: z.literal("POST"),
  url: z.literal("/v1/chat/completions"),
  body: z.unknown(),
});

const createBatchSchema = z.object({
  input_file_id: z.string().min(1),
  endpoint: z.literal("/v1/chat/completions"),
  completion_window: z.string(),
});

/**
 * The OpenAI Batch API over the replay's batches: `POST /v1/files` (multipart, purpose "batch"),
 * `GET /v1/files/{id}/content`, `POST /v1/batches`, `GET /v1/batches/{id}` and `GET /v1/batches`
 * (every batch submitted). An ended batch's output and error files are made at its first poll.
 */
export function openAIBatchRoutes(batches: ReplayBatches): Hono<ReplayEnv> {
  const files = new Map<string, string>();
  const outputFiles = new Map<string, { output?: string; error?: string }>();
  const inputFiles = new Map<string, string>();
  const app = new Hono<ReplayEnv>();
  app.post("/v1/files", async (context) => {
    const form = await context.req.parseBody();
    const file = form.file;
    if (!(file instanceof File)) return invalid(context, "the form has no file", "missing_file");
    const id = `file-replay-${files.size + 1}`;
    const text = await file.text();
    files.set(id, text);
    return context.json({
      id,
      object: "file",
      bytes: Buffer.byteLength(text),
      created_at: Math.floor(Date.now() / 1000),
      filename: file.name,
      purpose: String(form.purpose ?? "batch"),
    });
  });
  app.get("/v1/files/:id/content", (context) => {
    const text = files.get(context.req.param("id"));
    if (text === undefined)
      return context.json(errorBody("no such file", "not_found_error", "unknown_file"), 404);
    return context.body(text, 200, { "content-type": "application/jsonl" });
  });
  app.post("/v1/batches", async (context) => {
    const parsed = createBatchSchema.safeParse(await readJson(context).catch(() => undefined));
    if (!parsed.success) return invalid(context, z.prettifyError(parsed.error), "invalid_request");
    const input = files.get(parsed.data.input_file_id);
    if (input === undefined) return invalid(context, "no such input file", "unknown_file");
    const requests = [];
    for (const line of input.split("\n")) {
      if (line.trim() === "") continue;
      const entry = inputLineSchema.safeParse(safeJson(line));
      if (!entry.success)
        return invalid(context, `invalid input line: ${z.prettifyError(entry.error)}`, "invalid_line");
      requests.push({ customId: entry.data.custom_id, body: entry.data.body });
    }
    const batch = batches.add("batch_replay_", requests);
    inputFiles.set(batch.id, parsed.data.input_file_id);
    return context.json(batchObject(batch, parsed.data.input_file_id, batches, files, outputFiles));
  });
  app.get("/v1/batches", (context) =>
    context.json({
      object: "list",
      data: batches
        .list()
        .map((batch) => batchObject(batch, inputFiles.get(batch.id) ?? "", batches, files, outputFiles)),
      has_more: false,
    }),
  );
  app.get("/v1/batches/:id", (context) => {
    const batch = batches.get(context.req.param("id"));
    if (batch === undefined)
      return context.json(errorBody("no such batch", "not_found_error", "unknown_batch"), 404);
    return context.json(batchObject(batch, inputFiles.get(batch.id) ?? "", batches, files, outputFiles));
  });
  return app;
}

function invalid(context: Context<ReplayEnv>, message: string, code: string) {
  return context.json(errorBody(message, "invalid_request_error", code), 400);
}

function safeJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/** The batch as OpenAI shows it; once ended, with its output and error files (made once). */
function batchObject(
  batch: ReplayBatch,
  inputFileId: string,
  batches: ReplayBatches,
  files: Map<string, string>,
  outputFiles: Map<string, { output?: string; error?: string }>,
) {
  const progress = batches.progress(batch);
  if (progress.ended && !outputFiles.has(batch.id)) outputFiles.set(batch.id, writeOutputFiles(batch, files));
  const made = outputFiles.get(batch.id);
  const status = progress.ended ? (progress.expired ? "expired" : "completed") : "in_progress";
  return {
    id: batch.id,
    object: "batch",
    endpoint: "/v1/chat/completions",
    errors: null,
    input_file_id: inputFileId,
    completion_window: "24h",
    status,
    output_file_id: made?.output ?? null,
    error_file_id: made?.error ?? null,
    created_at: Math.floor(batch.createdAt / 1000),
    request_counts: {
      total: progress.total,
      completed: progress.succeeded,
      failed: progress.errored + progress.expiredCount,
    },
  };
}

/** Writes the output file (2xx lines) and the error file (the rest) of an ended batch. */
function writeOutputFiles(
  batch: ReplayBatch,
  files: Map<string, string>,
): { output?: string; error?: string } {
  const output: string[] = [];
  const errors: string[] = [];
  for (const outcome of batch.outcomes ?? []) {
    const line = outputLine(batch.id, outcome);
    (outcome.kind === "succeeded" ? output : errors).push(JSON.stringify(line));
  }
  const made: { output?: string; error?: string } = {};
  if (output.length > 0) {
    made.output = `file-replay-out-${batch.id}`;
    files.set(made.output, `${output.join("\n")}\n`);
  }
  if (errors.length > 0) {
    made.error = `file-replay-err-${batch.id}`;
    files.set(made.error, `${errors.join("\n")}\n`);
  }
  return made;
}

function outputLine(batchId: string, outcome: ReplayBatchOutcome) {
  const id = `batch_req_${batchId}_${outcome.customId.slice(0, 12)}`;
  if (outcome.kind === "succeeded") {
    return {
      id,
      custom_id: outcome.customId,
      response: { status_code: 200, request_id: id, body: outcome.completion },
      error: null,
    };
  }
  if (outcome.kind === "expired") {
    return {
      id,
      custom_id: outcome.customId,
      response: null,
      error: {
        code: "batch_expired",
        message: "This request could not be executed before the completion window expired.",
      },
    };
  }
  return {
    id,
    custom_id: outcome.customId,
    response: {
      status_code: outcome.status,
      request_id: id,
      body: errorBody(
        outcome.message,
        outcome.status === 500 ? "server_error" : "invalid_request_error",
        "batch_request_failed",
      ),
    },
    error: null,
  };
}
