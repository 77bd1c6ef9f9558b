import type { Command } from "commander";
import { z } from "zod";
import { loadAdapterArtifact } from "../../adapter/adapter-artifact.js";
import type { AdapterDescription } from "../../adapter/adapter-parts.js";
import type { ClosableAdapter } from "../../adapter/load-adapter.js";
import { type CircuitBreaker, createCircuitBreaker } from "../../large-models/circuit-breaker.js";
import { defaultRequestTimeoutMs } from "../../serve/request-deadline.js";
import { startServe } from "../../serve/start-serve.js";
import { UsageError } from "../../spec/errors/usage-error.js";
import type { Logger } from "../../spec/logger.js";
import type { RedisLink } from "../../util/redis-link.js";
import { withAdapterLmDefaults } from "../adapter-lm-defaults.js";
import { addLargeModelOptions, type LargeModelSetup, largeModelFromOptions } from "../lm-options.js";
import { openRedisLink, sharedBreaker } from "../redis-options.js";
import { runAction } from "../run-action.js";
import {
  adapterFolders,
  collectValues,
  describeModels,
  loadServedArtifacts,
  type ServedArtifact,
  servedAdapters,
} from "../serve-adapters.js";
import {
  addServeOnlineOptions,
  checkServeOnlineOptions,
  serveOnline,
  serveOnlineOptionsSchema,
} from "../serve-online.js";
import type { ReloadableFolder } from "../serve-reload.js";
import { startServeSwaps } from "../serve-swaps.js";

/** A flag's whole-number value, at least `minimum`. */
function wholeNumber(flag: string, minimum: number) {
  return z
    .string()
    .regex(/^\d+$/, `${flag} must be a whole number`)
    .transform(Number)
    .refine((value) => value >= minimum, `${flag} must be at least ${minimum}`);
}

const serveOptionsSchema = serveOnlineOptionsSchema.extend({
  adapter: z.array(z.string().min(1, "--adapter must name the adapter folder")).default([]),
  adapters: z.array(z.string().min(1, "--adapters must name a folder")).default([]),
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
  logInputs: z.boolean().default(false),
  logMaxMb: z
    .string()
    .regex(/^\d+(\.\d+)?$/, "--log-max-mb must be a number of megabytes")
    .transform(Number)
    .refine((value) => value > 0, "--log-max-mb must be more than 0")
    .optional(),
  lmModel: z.string().optional(),
  lmBaseUrl: z.string().optional(),
  drainTimeoutMs: wholeNumber("--drain-timeout-ms", 0),
  requestTimeoutMs: wholeNumber("--request-timeout-ms", 1),
  breakerFailures: wholeNumber("--breaker-failures", 0),
  breakerCooldownMs: wholeNumber("--breaker-cooldown-ms", 1),
  maxInputChars: positiveWholeNumber("--max-input-chars"),
  maxLmCallsPerRequest: positiveWholeNumber("--max-lm-calls-per-request"),
  watch: z.boolean().default(false),
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

/** What an adapter says of the LM it was calibrated against: the defaults of --lm-model and --lm-base-url. */
type LmDefaults = Pick<AdapterDescription, "lmId" | "lmBaseUrl">;

/** Registers `easy-adapt serve`: its flags (with the large-model flags) and its action. */
export function registerServeCommand(program: Command): void {
  const command = declareServeCommand(program);
  addServeOnlineOptions(command);
  addLargeModelOptions(command);
  command.action(runAction(serveCommand));
}

/**
 * Loads the adapters, builds one LM stack per distinct LM (all under one circuit breaker: they call
 * one upstream), serves until SIGTERM/SIGINT, then drains.
 */
async function serveCommand(rawOptions: Record<string, unknown>): Promise<void> {
  const options = parseServeOptions(rawOptions);
  const apiKey = apiKeyFromEnvironment(options.apiKeyEnv, process.env);
  const artifacts = await loadServedArtifacts(await adapterFolders(options.adapter, options.adapters));
  const redis = options.redis === undefined ? undefined : openRedisLink(options.redis);
  const logger = createStderrLogger();
  const { circuitBreaker, stacks, lmStackFor } = serveLmStacks(options, rawOptions, artifacts, redis, logger);
  const adapters: ClosableAdapter[] = [];
  // Builds the served adapter of a folder's artifact (its LM stack, its encoder): reloads and refreshes.
  const build = async (folder: ReloadableFolder, artifact: ServedArtifact["artifact"]) =>
    (await servedAdapters([{ ...folder, artifact }], lmStackFor, circuitBreaker, adapters))[0]!.adapter;
  const say = (line: string) => process.stderr.write(`${line}\n`);
  const online = await serveOnline(
    options,
    artifacts,
    lmStackFor,
    async (served, directory) => build({ ...served, directory }, await loadAdapterArtifact(directory)),
    say,
  );
  try {
    // The first requests find the shared state when Redis answers (else one loud line, and local state).
    await redis?.ready(2_000);
    const served = await servedAdapters(artifacts, lmStackFor, circuitBreaker, adapters);
    const setup = [...stacks.values()].find((stack) => stack !== undefined);
    const serve = await startServe({
      adapters: served,
      host: options.host,
      port: options.port,
      apiKey,
      logPath: options.log,
      logInputs: options.logInputs,
      logMaxBytes: options.logMaxMb === undefined ? undefined : Math.round(options.logMaxMb * 1024 * 1024),
      maxConcurrentLmCalls: setup?.concurrency ?? 8,
      requestTimeoutMs: options.requestTimeoutMs,
      maxInputChars: options.maxInputChars,
      maxLmCallsPerRequest: options.maxLmCallsPerRequest,
      ...(setup === undefined ? {} : { redis }),
      online: online.online,
      logger,
    });
    process.stdout.write(
      `easy-adapt serve: listening on ${serve.url} (${describeModels(served)}` +
        `${apiKey === undefined ? ", no API key required" : ""})\n`,
    );
    const stopSwaps = startServeSwaps({
      serve,
      folders: artifacts,
      served,
      opened: adapters,
      graceMs: options.requestTimeoutMs + 1000,
      online,
      build,
      watch: options.watch,
      say,
    });
    const signal = await shutdownSignal();
    stopSwaps();
    process.stderr.write(`easy-adapt serve: ${signal}: draining requests in flight\n`);
    await serve.close({ drainTimeoutMs: options.drainTimeoutMs });
    process.stderr.write("easy-adapt serve: stopped\n");
    process.exitCode = 0;
  } finally {
    await online.close();
    for (const adapter of adapters) await adapter.close();
    for (const stack of stacks.values()) stack?.close();
    circuitBreaker.stop?.();
    await redis?.close();
  }
  // Idle keep-alive sockets of the LM client must not hold the process once the server is closed.
  setTimeout(() => process.exit(process.exitCode ?? 0), 1000).unref();
}

/** serve's flags, checked; a UsageError names what is wrong. */
function parseServeOptions(rawOptions: Record<string, unknown>): z.infer<typeof serveOptionsSchema> {
  const parsed = serveOptionsSchema.safeParse(rawOptions);
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((issue) => issue.message).join("; "));
  const options = parsed.data;
  if (options.log === undefined && (options.logInputs || options.logMaxMb !== undefined)) {
    throw new UsageError("--log-inputs and --log-max-mb need --log FILE");
  }
  checkServeOnlineOptions(options, options.lmModel !== undefined || options.lmBaseUrl !== undefined);
  return options;
}

/** The LM stacks of the served adapters, built on first use, and the circuit breaker they share. */
interface ServeLmStacks {
  circuitBreaker: CircuitBreaker & { stop?(): void };
  stacks: Map<string, LargeModelSetup | undefined>;
  lmStackFor: (description: LmDefaults) => LargeModelSetup | undefined;
}

/**
 * One breaker for the one upstream (shared by the fleet's replicas through Redis when given) and
 * each distinct LM's stack, by the adapter's LM id and base URL (one for all when flags name them).
 */
function serveLmStacks(
  options: z.infer<typeof serveOptionsSchema>,
  rawOptions: Record<string, unknown>,
  artifacts: readonly ServedArtifact[],
  redis: RedisLink | undefined,
  logger: Logger,
): ServeLmStacks {
  const first = artifacts[0]?.artifact.description;
  const breakerOptions = { failures: options.breakerFailures, cooldownMs: options.breakerCooldownMs };
  const circuitBreaker = sharedBreaker(createCircuitBreaker(breakerOptions), redis, {
    upstream: `${options.lmBaseUrl ?? first?.lmBaseUrl ?? "default"}|${options.lmModel ?? first?.lmId ?? ""}`,
    cooldownMs: options.breakerCooldownMs,
  });
  const stacks = new Map<string, LargeModelSetup | undefined>();
  const lmStackFor = (description: LmDefaults) => {
    const model = options.lmModel === undefined ? description.lmId : "";
    const baseUrl = options.lmBaseUrl === undefined ? (description.lmBaseUrl ?? "") : "";
    const key = `${model} ${baseUrl}`;
    if (!stacks.has(key))
      stacks.set(key, serveLargeModel(options, rawOptions, description, circuitBreaker, logger, redis));
    return stacks.get(key);
  };
  return { circuitBreaker, stacks, lmStackFor };
}

/**
 * The LM stack serve calls through (the circuit breaker under the retries, a timeout retried once,
 * the answer cache bypassed when it is corrupt),
 * or undefined, said on stderr, when no LM flag was given.
 */
function serveLargeModel(
  options: z.infer<typeof serveOptionsSchema>,
  rawOptions: Record<string, unknown>,
  description: LmDefaults,
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
  // --lm-model and --lm-base-url default to the model and API the adapter was calibrated against.
  return largeModelFromOptions(withAdapterLmDefaults(rawOptions, description), process.env, {
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
    .option(
      "--adapter <dir>",
      "adapter folder written by `easy-adapt adapt`, or NAME=DIR to serve it as the model NAME (repeatable)",
      collectValues,
    )
    .option("--adapters <dir>", "serve every adapter folder inside this folder (repeatable)", collectValues)
    .option("--port <n>", "port to listen on (0 picks a free one)", "8080")
    .option("--host <address>", "address to listen on", "127.0.0.1")
    .option(
      "--api-key-env <name>",
      "environment variable holding the key clients must send as `Authorization: Bearer`",
    )
    .option(
      "--log <file>",
      "append one JSON line per decision to this file (input hashed; reopened on SIGHUP, for logrotate)",
    )
    .option("--log-inputs", "also write each input's text in the decision log (to retrain from it)")
    .option(
      "--log-max-mb <n>",
      "rotate the decision log when it reaches N MB: renamed FILE.1 (older shifted, 5 kept), a new one opened",
    )
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
      "--watch",
      "reload an adapter when its folder is replaced or rewritten (SIGHUP reloads them all, always)",
    )
    .option(
      "--breaker-cooldown-ms <n>",
      "how long the open breaker answers with the SSM before one probe call tests the LLM again",
      "5000",
    );
}
