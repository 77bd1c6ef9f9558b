import { Hono } from "hono";
import { z } from "zod";
import { type ReplayEnv, readJson } from "../replay-request.js";
import type { ReplayBatch, ReplayBatches, ReplayBatchOutcome } from "./replay-batches.js";

const createSchema = z.object({
  requests: z
    .array(
      z.object({
        custom_id: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, "custom_id: 1 to 64 letters, digits, _ or -"),
        params: z
          .object({
            model: z.string(),
            max_tokens: z.number(),
            messages: z.array(z.object({ role: z.string(), content: z.unknown() })).min(1),
            system: z.string().optional(),
          })
          .loose(),
      }),
    )
    .min(1),
});

/**
 * The Anthropic Message Batches API over the replay's batches: `POST /v1/messages/batches`,
 * `GET /v1/messages/batches/{id}` (with `results_url` once ended), its `/results` JSONL, and
 * `GET /v1/messages/batches` (every batch submitted).
 */
export function anthropicBatchRoutes(batches: ReplayBatches): Hono<ReplayEnv> {
  const app = new Hono<ReplayEnv>();
  app.post("/v1/messages/batches", async (context) => {
    const parsed = createSchema.safeParse(await readJson(context).catch(() => undefined));
    if (!parsed.success) {
      return context.json(anthropicError("invalid_request_error", z.prettifyError(parsed.error)), 400);
    }
    const requests = parsed.data.requests.map((request) => ({
      customId: request.custom_id,
      body: { model: request.params.model, messages: request.params.messages },
    }));
    return context.json(
      batchObject(batches.add("msgbatch_replay_", requests), batches, origin(context.req.url)),
    );
  });
  app.get("/v1/messages/batches", (context) => {
    const data = batches.list().map((batch) => batchObject(batch, batches, origin(context.req.url)));
    return context.json({
      data,
      has_more: false,
      first_id: data[0]?.id ?? null,
      last_id: data.at(-1)?.id ?? null,
    });
  });
  app.get("/v1/messages/batches/:id", (context) => {
    const batch = batches.get(context.req.param("id"));
    if (batch === undefined) return context.json(anthropicError("not_found_error", "no such batch"), 404);
    return context.json(batchObject(batch, batches, origin(context.req.url)));
  });
  app.get("/v1/messages/batches/:id/results", (context) => {
    const batch = batches.get(context.req.param("id"));
    if (batch === undefined || !batches.progress(batch).ended) {
      return context.json(anthropicError("not_found_error", "no results for this batch (yet)"), 404);
    }
    const lines = (batch.outcomes ?? []).map((outcome) => JSON.stringify(resultLine(outcome)));
    return context.body(`${lines.join("\n")}\n`, 200, { "content-type": "application/binary" });
  });
  return app;
}

function origin(url: string): string {
  return new URL(url).origin;
}

function anthropicError(type: string, message: string) {
  return { type: "error", error: { type, message } };
}

/** The batch as Anthropic shows it. */
function batchObject(batch: ReplayBatch, batches: ReplayBatches, base: string) {
  const progress = batches.progress(batch);
  const created = new Date(batch.createdAt).toISOString();
  return {
    id: batch.id,
    type: "message_batch",
    processing_status: progress.ended ? "ended" : "in_progress",
    request_counts: {
      processing: progress.total - progress.succeeded - progress.errored - progress.expiredCount,
      succeeded: progress.succeeded,
      errored: progress.errored,
      canceled: 0,
      expired: progress.expiredCount,
    },
    ended_at: progress.ended ? new Date().toISOString() : null,
    created_at: created,
    expires_at: new Date(batch.createdAt + 86_400_000).toISOString(),
    archived_at: null,
    cancel_initiated_at: null,
    results_url: progress.ended ? `${base}/v1/messages/batches/${batch.id}/results` : null,
  };
}

function resultLine(outcome: ReplayBatchOutcome) {
  const custom_id = outcome.customId;
  if (outcome.kind === "expired") return { custom_id, result: { type: "expired" } };
  if (outcome.kind === "errored") {
    const type = outcome.status === 500 ? "api_error" : "invalid_request_error";
    return { custom_id, result: { type: "errored", error: anthropicError(type, outcome.message) } };
  }
  const { completion } = outcome;
  const text = completion.choices[0]?.message.content ?? "";
  return {
    custom_id,
    result: {
      type: "succeeded",
      message: {
        id: `msg_${completion.id}`,
        type: "message",
        role: "assistant",
        model: completion.model,
        content: [{ type: "text", text }],
        stop_reason: "end_turn",
        stop_sequence: null,
        usage: {
          input_tokens: completion.usage.prompt_tokens,
          output_tokens: completion.usage.completion_tokens,
        },
      },
    },
  };
}
