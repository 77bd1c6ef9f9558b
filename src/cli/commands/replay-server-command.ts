import type { Command } from "commander";
import { z } from "zod";
import { loadRecordedAnswers } from "../../data/recorded-answers.js";
import { startReplayServer } from "../../replay/replay-server.js";
import { parseOptions } from "../parse-options.js";
import { runAction } from "../run-action.js";

const wholeNumber = (flag: string) =>
  z.string().regex(/^\d+$/, `${flag} must be a whole number`).transform(Number);

const replayOptionsSchema = z.object({
  answers: z.array(z.string().min(1), { error: "--answers FILE [FILE...] is required" }).min(1),
  answerColumn: z.string({ error: "--answer-column COL is required" }).min(1),
  textColumn: z.string().min(1).default("text"),
  port: wholeNumber("--port")
    .refine((port) => port <= 65_535, "--port must be at most 65535")
    .default(0),
  host: z.string().min(1).default("127.0.0.1"),
  latencyMs: wholeNumber("--latency-ms").default(0),
  errorRate: z
    .string()
    .regex(/^(0(\.\d+)?|1(\.0+)?)$/, "--error-rate must be a probability between 0 and 1")
    .transform(Number)
    .default(0),
  seed: wholeNumber("--seed").default(1),
  model: z.string().min(1).optional(),
  batchDelayMs: wholeNumber("--batch-delay-ms").default(0),
  batchFailEvery: wholeNumber("--batch-fail-every").default(0),
  batchExpireAfter: wholeNumber("--batch-expire-after").optional(),
});

export function registerReplayServerCommand(program: Command): void {
  program
    .command("replay-server")
    .description("serve recorded LLM answers as an OpenAI-compatible API (POST /v1/chat/completions)")
    .option("--answers <files...>", "dataset CSV files with recorded answers")
    .option("--answer-column <column>", "the column of recorded answers to replay (e.g. gpt4)")
    .option("--text-column <column>", "the column of texts", "text")
    .option("--port <n>", "port (0 = any free port)", "0")
    .option("--host <host>", "address to bind", "127.0.0.1")
    .option("--latency-ms <n>", "delay before every response", "0")
    .option("--error-rate <p>", "share of requests answered with an injected 429 or 500", "0")
    .option("--seed <n>", "seed of the fault injection", "1")
    .option("--model <name>", "model id listed by GET /v1/models (default: the answer column)")
    .option(
      "--batch-delay-ms <n>",
      "time a batch (OpenAI /v1/batches, Anthropic /v1/messages/batches) takes",
      "0",
    )
    .option("--batch-fail-every <n>", "every n-th request of a batch fails with a 500 (0: none)", "0")
    .option("--batch-expire-after <n>", "a batch of more requests expires after answering its first n")
    .action(
      runAction(async (rawOptions: Record<string, unknown>) => {
        const options = parseOptions(replayOptionsSchema, rawOptions);
        const answers = await loadRecordedAnswers(options.answers, options.answerColumn, {
          textColumn: options.textColumn,
        });
        const server = await startReplayServer({
          answers,
          port: options.port,
          host: options.host,
          latencyMs: options.latencyMs,
          errorRate: options.errorRate,
          seed: options.seed,
          model: options.model ?? options.answerColumn,
          batchDelayMs: options.batchDelayMs,
          batchFailEvery: options.batchFailEvery,
          ...(options.batchExpireAfter === undefined ? {} : { batchExpireAfter: options.batchExpireAfter }),
        });
        process.stdout.write(
          `replay server listening on ${server.url} (${answers.length} recorded answers)\n`,
        );
        await new Promise<void>((resolveStop) => {
          const stop = () => {
            process.off("SIGINT", stop);
            process.off("SIGTERM", stop);
            resolveStop();
          };
          process.once("SIGINT", stop);
          process.once("SIGTERM", stop);
        });
        await server.close();
        process.stdout.write("replay server stopped\n");
      }),
    );
}
