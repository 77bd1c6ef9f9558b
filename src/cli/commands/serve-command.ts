import type { Command } from "commander";
import { z } from "zod";
import { loadAdapterArtifact } from "../../adapter/adapter-artifact.js";
import { adapterFromArtifact, type ClosableAdapter } from "../../adapter/load-adapter.js";
import { type CircuitBreaker, createCircuitBreaker } from "../../large-models/circuit-breaker.js";
import { defaultRequestTimeoutMs } from "../../serve/request-deadline.js";
import { startServe } from "../../serve/start-serve.js";
import { UsageError } from "../../spec/errors/usage-error.js";
import type { Logger } from "../../spec/logger.js";
import type { RedisLink } from "../../util/redis-link.js";
import { addLargeModelOptions, type LargeModelSetup, largeModelFromOptions } from "../lm-options.js";
import { openRedisLink, sharedBreaker } from "../redis-options.js";
import { runAction } from "../run-action.js";

/** A flag's whole-number value, at least `minimum`. */
function wholeNumber(flag: string, minimum: number) {
  return z
    .string()
    .regex(/^\d+$/, `${flag} must be a whole number`)
    .transform(Number)
    .refine((value) => value >= minimum, `${flag} must be at least ${minimum}`);
}

const serveOptionsSchema = z.object({
  adapter: z.string().min(1, "--adapter must name the adapter folder"),
  port: z
    .string()
    .regex(/^\d+$/, "--port must be a whole number")
    .transform(Number)
    .refine((port) => port <= 65_535, "--port must be at most 65535"),
  host: z.string().min(1, "--host must not be empty"),
  apiKeyEnv: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "--api-key-env must be an environment variable name")
    .optional(),
  log: z.string().min(1, "--log must name a file").optional(),
  lmModel: z.string().optional(),
  lmBaseUrl: z.string().optional(),
  drainTimeoutMs: wholeNumber("--drain-timeout-ms", 0),
  requestTimeoutMs: wholeNumber("--request-timeout-ms", 1),
  breakerFailures: wholeNumber("--breaker-failures", 0),
  breakerCooldownMs: wholeNumber("--breaker-cooldown-ms", 1),
  maxInputChars: positiveWholeNumber("--max-input-chars"),
  maxLmCallsPerRequest: positiveWholeNumber("--max-lm-calls-per-request"),
  redis: z
    .string()
    .regex(/^rediss?:\/\/\S+$/, "--redis must be a redis:// or rediss:// URL")
    .optional(),
});

/** A flag's value as a whole number of at least 1. */
function positiveWholeNumber(flag: string) {
  return z
    .string()
    .regex(/^\d+$/, `${flag} must be a whole number`)
    .transform(Number)
    .refine((value) => value >= 1 && Number.isSafeInteger(value), `${flag} must be at least 1`);
}

/** Registers `easy-adapt serve`: its flags (with the large-model flags) and its action. */
export function registerServeCommand(program: Command): void {
  const command = declareServeCommand(program);
  addLargeModelOptions(command);
  command.action(runAction(serveCommand));
}

/** Loads the adapter, builds its LM stack with the circuit breaker, serves until SIGTERM/SIGINT, then drains. */
async function serveCommand(rawOptions: Record<string, unknown>): Promise<void> {
  const parsed = serveOptionsSchema.safeParse(rawOptions);
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((issue) => issue.message).join("; "));
  const options = parsed.data;
  const apiKey = apiKeyFromEnvironment(options.apiKeyEnv, process.env);
  const artifact = await loadAdapterArtifact(options.adapter);
  const redis = options.redis === undefined ? undefined : openRedisLink(options.redis);
  const breakerOptions = { failures: options.breakerFailures, cooldownMs: options.breakerCooldownMs };
  const circuitBreaker = sharedBreaker(createCircuitBreaker(breakerOptions), redis, {
    upstream: `${options.lmBaseUrl ?? "default"}|${options.lmModel ?? artifact.description.lmId}`,
    cooldownMs: options.breakerCooldownMs,
  });
  const logger = createStderrLogger();
  const setup = serveLargeModel(
    options,
    rawOptions,
    artifact.description.lmId,
    circuitBreaker,
    logger,
    redis,
  );
  let adapter: ClosableAdapter | undefined;
  try {
    // The first requests find the shared state when Redis answers (else one loud line, and local state).
    await redis?.ready(2_000);
    if (setup?.dryRun === true) throw new UsageError("--dry-run makes no sense for serve");
    adapter = await adapterFromArtifact(artifact, { largeModel: setup?.model });
    const serve = await startServe({
      adapter,
      host: options.host,
      port: options.port,
      apiKey,
      logPath: options.log,
      maxConcurrentLmCalls: setup?.concurrency ?? 8,
      requestTimeoutMs: options.requestTimeoutMs,
      maxInputChars: options.maxInputChars,
      maxLmCallsPerRequest: options.maxLmCallsPerRequest,
      ...(setup === undefined ? {} : { circuitBreaker, redis }),
      logger,
    });
    process.stdout.write(
      `easy-adapt serve: listening on ${serve.url} (model "${adapter.task.name}", LM ${setup?.model.id ?? "none"}` +
        `${apiKey === undefined ? ", no API key required" : ""})\n`,
    );
    const signal = await shutdownSignal();
    process.stderr.write(`easy-adapt serve: ${signal}: draining requests in flight\n`);
    await serve.close({ drainTimeoutMs: options.drainTimeoutMs });
    process.stderr.write("easy-adapt serve: stopped\n");
    process.exitCode = 0;
  } finally {
    await adapter?.close();
    setup?.close();
    circuitBreaker.stop?.();
    await redis?.close();
  }
  // Idle keep-alive sockets of the LM client must not hold the process once the server is closed.
  setTimeout(() => process.exit(process.exitCode ?? 0), 1000).unref();
}

/**
 * The LM stack serve calls through (the circuit breaker under the retries, a timeout retried once,
 * the answer cache bypassed when it is corrupt),
 * or undefined, said on stderr, when no LM flag was given.
 */
function serveLargeModel(
  options: z.infer<typeof serveOptionsSchema>,
  rawOptions: Record<string, unknown>,
  lmId: string,
  circuitBreaker: CircuitBreaker,
  logger: Logger,
  redis: RedisLink | undefined,
): LargeModelSetup | undefined {
  if (options.lmModel === undefined && options.lmBaseUrl === undefined) {
    process.stderr.write(
      "easy-adapt serve: no --lm-base-url or --lm-model given: inputs routed to the LM are answered by the SSM (route fallback)\n",
    );
    return undefined;
  }
  // --lm-model defaults to the model the adapter was calibrated against.
  const defaultModel = lmId.slice(lmId.indexOf(":") + 1);
  return largeModelFromOptions({ ...rawOptions, lmModel: options.lmModel ?? defaultModel }, process.env, {
    // A slow upstream bills every attempt that timed out: one retry of a timeout at most.
    retry: { maxTimeoutRetries: 1 },
    circuitBreaker,
    // A corrupt cache must not stop the server: it answers without it, said once on stderr.
    cacheErrors: "bypass",
    logger,
    redis,
  });
}

function apiKeyFromEnvironment(name: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (name === undefined) return undefined;
  const value = env[name];
  if (value === undefined || value.trim() === "") {
    throw new UsageError(`the environment variable ${name} (named by --api-key-env) is empty or not set`);
  }
  return value;
}

/** Resolves with the first SIGTERM or SIGINT; a second one exits at once with code 1. */
function shutdownSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (received) {
        process.stderr.write(`easy-adapt serve: second ${signal}: exiting without draining\n`);
        process.exit(1);
      }
      received = true;
      resolve(signal);
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
}

function createStderrLogger(): Logger {
  const write = (level: string, event: string, details?: Record<string, unknown>) => {
    process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, event, ...details })}\n`);
  };
  return {
    info: (event, details) => write("info", event, details),
    warn: (event, details) => write("warn", event, details),
  };
}

/** The `serve` command and its own options (the LM options are added by `addLargeModelOptions`). */
function declareServeCommand(program: Command): Command {
  return program
    .command("serve")
    .description(
      "Serve an adapter over HTTP: OpenAI-compatible /v1/chat/completions and /v1/models, batch /v1/classify, /healthz, /metrics.",
    )
    .requiredOption("--adapter <dir>", "adapter folder written by `easy-adapt adapt`")
    .option("--port <n>", "port to listen on (0 picks a free one)", "8080")
    .option("--host <address>", "address to listen on", "127.0.0.1")
    .option(
      "--api-key-env <name>",
      "environment variable holding the key clients must send as `Authorization: Bearer`",
    )
    .option("--log <file>", "append one JSON line per decision to this file (input hashed, never stored)")
    .option(
      "--drain-timeout-ms <n>",
      "on SIGTERM/SIGINT, wait at most this long for requests in flight",
      "30000",
    )
    .option("--max-input-chars <n>", "refuse (400) an input longer than this many characters", "20000")
    .option(
      "--max-lm-calls-per-request <n>",
      "LM calls one /v1/classify request may make; the SSM answers its other LM-routed inputs (route fallback)",
      "64",
    )
    .option(
      "--request-timeout-ms <n>",
      "deadline of one request over LM queueing, attempts and backoffs; then the SSM answers (fallback, deadline)",
      String(defaultRequestTimeoutMs),
    )
    .option(
      "--breaker-failures <n>",
      "open the circuit breaker on the LLM after this many failed calls in a row (0: never)",
      "5",
    )
    .option(
      "--breaker-cooldown-ms <n>",
      "how long the open breaker answers with the SSM before one probe call tests the LLM again",
      "5000",
    );
}
