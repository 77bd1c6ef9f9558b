import { type Command, Option } from "commander";
import { z } from "zod";
import type { AnswerCache } from "../large-models/answer-cache.js";
import { createAnthropicModel } from "../large-models/anthropic-model.js";
import { type Budget, createBudget, createBudgetedModel, type TokenPrices } from "../large-models/budget.js";
import type { CircuitBreaker } from "../large-models/circuit-breaker.js";
import { createCircuitBreakingModel } from "../large-models/circuit-breaking-model.js";
import { createConcurrencyLimitedModel } from "../large-models/concurrency-limited-model.js";
import {
  type DryRunEstimate,
  estimateRequestsCost,
  estimateWithSharedCache,
} from "../large-models/dry-run-estimate.js";
import { createOpenAICompatibleModel } from "../large-models/openai-compatible-model.js";
import { sharedCachedHashes } from "../large-models/redis-answer-cache.js";
import { createRetryingModel, type RetryOptions } from "../large-models/retrying-model.js";
import { EasyAdaptError } from "../spec/errors/easy-adapt-error.js";
import { UsageError } from "../spec/errors/usage-error.js";
import type { CompletionRequest, LargeModel } from "../spec/large-model.js";
import type { Logger } from "../spec/logger.js";
import { isLocalOrPrivateUrl } from "../util/private-address.js";
import type { RedisLink } from "../util/redis-link.js";
import { withAnswerCache } from "./answer-cache-setup.js";
import { parseOptions } from "./parse-options.js";
import { openRedisLink, redisOptionHelp } from "./redis-options.js";

/** Where the answer cache lives by default, relative to the current directory (reruns hit it). */
export const defaultCacheFile = ".easy-adapt/cache.sqlite";

/** Adds the large-model flags (provider, URL, model, key env, cache, concurrency, timeout, retries, budget, dry run). */
export function addLargeModelOptions(command: Command): Command {
  return command
    .addOption(
      new Option("--lm-provider <provider>", "large model API")
        .choices(["openai-compatible", "anthropic"])
        .default("openai-compatible"),
    )
    .option(
      "--lm-base-url <url>",
      "API base URL (default https://api.openai.com/v1 or https://api.anthropic.com)",
    )
    .option("--lm-model <name>", "model name sent to the API")
    .option(
      "--lm-api-key-env <name>",
      "environment variable holding the API key (default OPENAI_API_KEY / ANTHROPIC_API_KEY when set; none for local servers)",
    )
    .option("--cache <file>", `SQLite answer cache (default ${defaultCacheFile})`)
    .option(
      "--no-cache",
      "do not read or write the SQLite answer cache (with --redis: Redis alone holds answers)",
    )
    .option("--redis <url>", redisOptionHelp)
    .option("--redis-cache-ttl-s <n>", "seconds an answer lives in the Redis cache (default: no expiry)")
    .option("--concurrency <n>", "LM calls in flight at once", "8")
    .option("--lm-timeout-ms <n>", "timeout of one LM call in milliseconds", "60000")
    .option("--max-retries <n>", "retries of a failed LM call (429, 5xx, timeouts, network errors)", "3")
    .addOption(
      new Option("--retry-base-delay-ms <n>", "first retry backoff in milliseconds")
        .default("500")
        .hideHelp(),
    )
    .option("--max-calls <n>", "budget: most LM calls to make")
    .option("--max-tokens <n>", "budget: most tokens (prompt + output) to spend")
    .option("--max-dollars <x>", "budget: most dollars to spend (needs the two prices)")
    .option("--price-input-per-mtok <x>", "price in dollars per million prompt tokens")
    .option("--price-output-per-mtok <x>", "price in dollars per million output tokens")
    .option("--dry-run", "print the estimated calls, tokens and cost; call nothing");
}

const integer = (flag: string, minimum: number) =>
  z
    .string()
    .regex(/^\d+$/, `${flag} must be a whole number`)
    .transform(Number)
    .refine((value) => value >= minimum, `${flag} must be at least ${minimum}`);
const amount = (flag: string) =>
  z
    .string()
    .regex(/^\d+(\.\d+)?$/, `${flag} must be a non-negative number`)
    .transform(Number);

const optionsSchema = z.object({
  lmProvider: z.enum(["openai-compatible", "anthropic"]).default("openai-compatible"),
  lmBaseUrl: z.url({ protocol: /^https?$/, error: "--lm-base-url must be an http(s) URL" }).optional(),
  lmModel: z.string().trim().min(1, "--lm-model must not be empty").optional(),
  lmApiKeyEnv: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "--lm-api-key-env must be an environment variable name")
    .optional(),
  cache: z.union([z.string().min(1), z.boolean()]).default(true),
  concurrency: integer("--concurrency", 1).default(8),
  lmTimeoutMs: integer("--lm-timeout-ms", 1).default(60_000),
  maxRetries: integer("--max-retries", 0).default(3),
  retryBaseDelayMs: integer("--retry-base-delay-ms", 0).default(500),
  maxCalls: integer("--max-calls", 0).optional(),
  maxTokens: integer("--max-tokens", 0).optional(),
  maxDollars: amount("--max-dollars").optional(),
  priceInputPerMtok: amount("--price-input-per-mtok").optional(),
  priceOutputPerMtok: amount("--price-output-per-mtok").optional(),
  dryRun: z.boolean().default(false),
  redis: z
    .string()
    .regex(/^rediss?:\/\/\S+$/, "--redis must be a redis:// or rediss:// URL")
    .optional(),
  redisCacheTtlS: integer("--redis-cache-ttl-s", 1).optional(),
});

export type LargeModelSettings = z.infer<typeof optionsSchema>;

/** Live counters of one LM setup. */
export interface LargeModelStats {
  /** Real HTTP requests sent (retries included). */
  httpCalls: number;
  cacheHits: number;
  retries: number;
  /** Finished paid calls and their usage. */
  calls: number;
  promptTokens: number;
  completionTokens: number;
  dollars: number;
  /** Requests that joined an identical one already in flight (one upstream call for all). */
  sharedCalls: number;
  /** Replies whose text was empty (`content: null`, ""): returned, never cached. */
  emptyReplies: number;
}

export interface LargeModelSetup {
  /** The API base URL the LM is called at: --lm-base-url, else the provider's public endpoint. */
  baseUrl: string;
  /** Cache → budget → concurrency limit → retries → (circuit breaker →) connector (each as configured). */
  model: LargeModel;
  settings: LargeModelSettings;
  /** A snapshot of the counters. */
  stats(): LargeModelStats;
  budget: Budget;
  cache: AnswerCache | undefined;
  prices: TokenPrices | undefined;
  dryRun: boolean;
  concurrency: number;
  /**
   * What asking these requests would cost at `prices` (default the flags' prices): the answers in
   * the cache free, with --redis those in the fleet's Redis cache too.
   */
  estimate(requests: Iterable<CompletionRequest>, prices?: TokenPrices): Promise<DryRunEstimate>;
  /** e.g. "42 calls, 3100 tok, $0.0012" for progress lines. */
  describeSpend(): string;
  close(): void;
}

export interface LargeModelDependencies {
  fetch?: typeof fetch;
  /** Resolves the default cache path (default process.cwd()). */
  cwd?: string;
  /** Test hooks for the retry wrapper (sleep, jitter), and serve's cap on retries after timeouts. */
  retry?: Pick<RetryOptions, "sleep" | "random" | "maxDelayMs" | "maxTimeoutRetries">;
  /** Serve's circuit breaker: every attempt (under the retries) goes through it. */
  circuitBreaker?: CircuitBreaker;
  /**
   * What a corrupt or unreadable answer cache does: "throw" (default: an AnswerCacheError naming
   * the file) or "bypass" (serve: one warning through `logger`, then answers without the cache).
   */
  cacheErrors?: "throw" | "bypass";
  /** Where the cache's bypass warning goes. */
  logger?: Logger;
  /** The Redis link of `--redis`, when the caller opened it (serve); else opened here and closed by `close()`. */
  redis?: RedisLink | undefined;
}

/**
 * Builds the configured LargeModel from the parsed flags of `addLargeModelOptions` and the
 * environment (for the API key). Throws UsageError for any invalid or missing value.
 */
export function largeModelFromOptions(
  rawOptions: Record<string, unknown>,
  env: Record<string, string | undefined>,
  dependencies: LargeModelDependencies = {},
): LargeModelSetup {
  const settings = parseOptions(optionsSchema, rawOptions);
  if (settings.lmModel === undefined)
    throw new UsageError("--lm-model is required (the model name the API serves)");
  const prices = pricesFrom(settings);
  if (settings.maxDollars !== undefined && prices === undefined) {
    throw new UsageError("--max-dollars needs --price-input-per-mtok and --price-output-per-mtok");
  }
  const apiKey = apiKeyFrom(settings, env);
  const baseUrl = settings.lmBaseUrl ?? defaultBaseUrls[settings.lmProvider];
  if (apiKey.apiKey === undefined && !settings.dryRun) requireKeylessEndpoint(baseUrl, settings.lmProvider);
  const stats = emptyStats();
  const connector = createConnector(
    { ...settings, lmBaseUrl: baseUrl },
    settings.lmModel,
    apiKey,
    dependencies,
    stats,
  );
  const calling = callingModel(connector, settings, dependencies, stats);
  const budget = createBudget({
    maxCalls: settings.maxCalls,
    maxTokens: settings.maxTokens,
    maxDollars: settings.maxDollars,
    prices,
  });
  const ownRedis =
    dependencies.redis === undefined && settings.redis !== undefined
      ? openRedisLink(settings.redis)
      : undefined;
  const { model, cache } = withAnswerCache(
    createBudgetedModel(calling, budget),
    settings,
    { ...dependencies, redis: dependencies.redis ?? ownRedis },
    stats,
  );
  const snapshot = () => statsSnapshot(stats, budget);
  return {
    baseUrl,
    model,
    settings,
    stats: snapshot,
    budget,
    cache,
    prices,
    dryRun: settings.dryRun,
    concurrency: settings.concurrency,
    estimate: (requests, chosenPrices = prices) => {
      const context = { modelId: model.id, cache, prices: chosenPrices };
      const redis = dependencies.redis ?? ownRedis;
      if (redis === undefined) return Promise.resolve(estimateRequestsCost(requests, context));
      return estimateWithSharedCache(requests, context, (modelId, hashes) =>
        sharedCachedHashes(redis, modelId, hashes),
      );
    },
    describeSpend: () => describeSpend(snapshot(), prices),
    close() {
      cache?.close();
      void ownRedis?.close();
    },
  };
}

function emptyStats(): LargeModelStats {
  return {
    httpCalls: 0,
    cacheHits: 0,
    retries: 0,
    calls: 0,
    promptTokens: 0,
    completionTokens: 0,
    dollars: 0,
    sharedCalls: 0,
    emptyReplies: 0,
  };
}

/** The provider's API client for `modelName` at `settings.lmBaseUrl`; counts every HTTP request it sends in `stats`. */
function createConnector(
  settings: LargeModelSettings,
  modelName: string,
  apiKey: { apiKey: string | undefined; apiKeyEnv: string | undefined },
  dependencies: LargeModelDependencies,
  stats: LargeModelStats,
): LargeModel {
  const connectorOptions = {
    model: modelName,
    apiKey: apiKey.apiKey,
    apiKeyEnv: apiKey.apiKeyEnv,
    // undefined: the connector's own transport (openai-compatible: node:http keep-alive; anthropic: its SDK's fetch)
    fetch: dependencies.fetch,
    onHttpRequest: () => {
      stats.httpCalls++;
    },
    timeoutMs: settings.lmTimeoutMs,
  };
  return settings.lmProvider === "anthropic"
    ? createAnthropicModel({ ...connectorOptions, baseUrl: settings.lmBaseUrl })
    : createOpenAICompatibleModel({
        ...connectorOptions,
        baseUrl: settings.lmBaseUrl ?? defaultBaseUrls["openai-compatible"],
      });
}

/**
 * The connector with retries (counted in `stats`) and a limit on calls in flight; under
 * --dry-run, a model with the connector's id that refuses every call.
 */
function callingModel(
  connector: LargeModel,
  settings: LargeModelSettings,
  dependencies: LargeModelDependencies,
  stats: LargeModelStats,
): LargeModel {
  if (settings.dryRun) {
    return {
      id: connector.id,
      complete: () =>
        Promise.reject(new EasyAdaptError("--dry-run: no LM call is made", { isUserError: true })),
    };
  }
  const guarded =
    dependencies.circuitBreaker === undefined
      ? connector
      : createCircuitBreakingModel(connector, dependencies.circuitBreaker);
  const retrying = createRetryingModel(guarded, {
    maxRetries: settings.maxRetries,
    baseDelayMs: settings.retryBaseDelayMs,
    ...dependencies.retry,
    onRetry: () => {
      stats.retries++;
    },
  });
  return createConcurrencyLimitedModel(retrying, settings.concurrency);
}

/** The counters, with the paid calls and their usage as the budget has recorded them. */
function statsSnapshot(stats: LargeModelStats, budget: Budget): LargeModelStats {
  const spent = budget.spent();
  return {
    ...stats,
    calls: spent.calls,
    promptTokens: spent.promptTokens,
    completionTokens: spent.completionTokens,
    dollars: spent.dollars,
  };
}

/** e.g. "42 calls, 3100 tok, $0.0012, 7 cached" (dollars only when prices are known). */
function describeSpend(current: LargeModelStats, prices: TokenPrices | undefined): string {
  const tokens = current.promptTokens + current.completionTokens;
  const dollars = prices === undefined ? "" : `, $${current.dollars.toFixed(4)}`;
  return `${current.calls} calls, ${tokens} tok${dollars}, ${current.cacheHits} cached`;
}

function pricesFrom(settings: LargeModelSettings): TokenPrices | undefined {
  const input = settings.priceInputPerMtok;
  const output = settings.priceOutputPerMtok;
  if (input === undefined && output === undefined) return undefined;
  if (input === undefined || output === undefined) {
    throw new UsageError("give both --price-input-per-mtok and --price-output-per-mtok, or neither");
  }
  return { inputPerMillion: input, outputPerMillion: output };
}

/** Each provider's public API endpoint, the default of --lm-base-url. */
export const defaultBaseUrls = {
  "openai-compatible": "https://api.openai.com/v1",
  anthropic: "https://api.anthropic.com",
} as const;

/** The environment variable each provider's key is read from by default. */
const defaultKeyEnvs = { "openai-compatible": "OPENAI_API_KEY", anthropic: "ANTHROPIC_API_KEY" } as const;

/**
 * Refuses, before any call, to send requests without an API key to a public endpoint (one not on
 * this machine or a private network): they would only come back 401, after the retries. Local
 * servers (Ollama, vLLM, the replay server) need no key.
 */
function requireKeylessEndpoint(baseUrl: string, provider: LargeModelSettings["lmProvider"]): void {
  if (isLocalOrPrivateUrl(baseUrl)) return;
  throw new UsageError(
    `no API key for the LM at ${baseUrl} (a public endpoint): set ${defaultKeyEnvs[provider]}, ` +
      "or name the environment variable holding the key with --lm-api-key-env NAME " +
      "(a local or private --lm-base-url needs no key)",
  );
}

/** The API key from --lm-api-key-env or the provider's usual variable, and the variable it came from. */
export function apiKeyFrom(
  settings: LargeModelSettings,
  env: Record<string, string | undefined>,
): { apiKey: string | undefined; apiKeyEnv: string | undefined } {
  if (settings.lmApiKeyEnv !== undefined) {
    const value = env[settings.lmApiKeyEnv];
    if (value === undefined || value.trim() === "") {
      throw new UsageError(
        `the environment variable ${settings.lmApiKeyEnv} (named by --lm-api-key-env) is empty or not set: put the API key in it`,
      );
    }
    return { apiKey: value.trim(), apiKeyEnv: settings.lmApiKeyEnv };
  }
  const defaultEnv = defaultKeyEnvs[settings.lmProvider];
  const value = env[defaultEnv];
  if (value !== undefined && value.trim() !== "") return { apiKey: value.trim(), apiKeyEnv: defaultEnv };
  return { apiKey: undefined, apiKeyEnv: undefined };
}
